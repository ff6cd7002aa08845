/** The shared ABI (assembly/abi.ts), compiled by tsc for the host. */
export * from "../../assembly/abi.js";
