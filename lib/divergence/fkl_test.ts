import { useTestBackend } from "../backend/testing.ts";
import { divergenceConformance } from "./_conformance.ts";
import { fklReference } from "./_reference.ts";
import { createFkl } from "./fkl.ts";

await useTestBackend();

divergenceConformance("fkl", createFkl(), fklReference, { nonNegative: true, smooth: true });
