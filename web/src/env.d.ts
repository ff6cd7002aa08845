/// <reference types="vite/client" />

declare module "virtual:core-wasm" {
  /** build/release.wasm as base64 (web/vite.config.ts). */
  const base64: string;
  export default base64;
}
