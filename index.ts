/**
 * Entry point: reads the `platform:` config once, validates all of it before any resource is
 * registered, then builds what the stack's role calls for. The exported function's result becomes
 * the stack's outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { engineIsSecret, parseStackConfig } from "./components/stack-file";
import { buildStack } from "./components/stacks";
import { installCheapPromiseStacks } from "./components/promise-stacks";

installCheapPromiseStacks();

export = (): Record<string, unknown> =>
    buildStack(parseStackConfig(pulumi.runtime.allConfig(), engineIsSecret));
