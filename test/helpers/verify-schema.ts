/** The JSON Schema validator of `verify --json` (schema/verify.schema.json with the schemas it refers to). */
import { readFileSync } from "node:fs";
import Ajv2020Module from "ajv/dist/2020.js";
const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;

const load = (f: string) => JSON.parse(readFileSync(new URL(`../../schema/${f}`, import.meta.url), "utf8"));

export function verifyValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, strictTypes: false });
  ajv.addSchema(load("flows.schema.json"));
  ajv.addSchema(load("analyze.schema.json"));
  return ajv.compile(load("verify.schema.json"));
}
