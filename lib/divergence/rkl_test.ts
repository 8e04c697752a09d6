import { useTestBackend } from "../backend/testing.ts";
import { divergenceConformance } from "./_conformance.ts";
import { rklReference } from "./_reference.ts";
import { createRkl } from "./rkl.ts";

await useTestBackend();

divergenceConformance("rkl", createRkl(), rklReference, { nonNegative: true, smooth: true });
