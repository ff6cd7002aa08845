/**
 * The streamed `flows --json` report: the flows written by the wasm core parse to exactly the
 * objects the host builds (FlowTable.get), line by line, and every report validates against
 * schema/flows.schema.json.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import Ajv2020Module from "ajv/dist/2020.js";
const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
import { scanFile } from "../../src/node/index.js";
import { flowsReport } from "../../src/capture/scan.js";
import { sinkToString, writeFlowsJson } from "../../src/report/flows-json.js";
import { manifest } from "./manifest.js";

const schema = JSON.parse(readFileSync(new URL("../../schema/flows.schema.json", import.meta.url), "utf8"));
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);

const files = [
  ...manifest().map((e) => e.path),
  new URL("../../pcaps/flows/mix.pcapng", import.meta.url).pathname,
  new URL("../../pcaps/example/ftp-active-nat-inside.pcap", import.meta.url).pathname,
];

describe("flows --json", () => {
  for (const path of files) {
    it(path.split("/").slice(-2).join("/"), async () => {
      const scan = await scanFile(path, { flowCapLog2: 10 });
      const text = sinkToString((w) => writeFlowsJson(scan, w));
      const parsed = JSON.parse(text);
      expect(parsed).toEqual(JSON.parse(JSON.stringify(flowsReport(scan))));
      // Byte-for-byte: each flow line is JSON.stringify of the host's object.
      const flowLines = text.slice(text.indexOf("\"flows\":[") + 9, text.lastIndexOf("\n]")).split("\n").filter(Boolean);
      expect(flowLines.length).toBe(scan.flows.count);
      flowLines.forEach((l, i) => expect(l.replace(/,$/, "")).toBe(JSON.stringify(scan.flows.get(i + 1))));
      expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    });
  }
});
