/**
 * The tfjs-core namespace every dimo module computes with.
 *
 * tfjs-core's Node build registers no gradient functions; the `@tensorflow/tfjs` package's Node
 * build does, into the global registry that tfjs-core reads. Importing it here once makes
 * `tf.grad` and the optimisers work on every backend, whichever dimo module is imported first.
 * It also replaces the gradients of `Sum` and `Mean` with ones that stay on the device
 * (`gradients.ts`).
 *
 * @module
 */
import "@tensorflow/tfjs";
import "./gradients.ts";

export * from "@tensorflow/tfjs-core";
