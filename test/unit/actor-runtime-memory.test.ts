// The actor runtime conformance suite on the in-memory driver.
import { createMemoryDriver } from "../../actors/runtime/index.ts";
import { describeActorRuntime } from "../support/actor-conformance.ts";

describeActorRuntime("memory", { create: async () => createMemoryDriver() });
