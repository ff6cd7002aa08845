/**
 * Router-output side of alg-verify — platform neutral (no fs, no process).
 *
 *   const r = parseRouterText(text, "show-conversations.txt");      // one file → documents, records, diagnostics
 *   const report = buildRouterReport([r]);                          // `router --json`, schemaVersion 1
 *   process.stdout.write(formatRouterText(report));                 // human tables
 *   await writeRouterReport(report, sink, { json: true });          // any size, piece by piece
 *   describeUnrecognised(bytes);                                    // "a pcap capture", "binary data", ...
 *   printJunosConversations(doc.interfaces);                        // Junos column layout (§1.1)
 */
export * from "./types.js";
export { parseRouterText, documentRecords, type RouterInput } from "./parse.js";
export { describeUnrecognised, looksBinary } from "./sniff.js";
export { buildRouterReport, formatRouterText, formatDiagnostic, writeRouterReport, routerJsonChunks, routerJsonPieces, routerTextPieces, type RouterSink } from "./report.js";
export { printJunosConversations, printFlowLine, printNatLine, type PrintableInterface } from "./junos/printer.js";
export { parseEndpoint, canonicalIp, formatEndpoint, normaliseProto } from "./ip.js";
export { natFromReply } from "./normalise.js";
export { classifyLine, splitParts } from "./detect.js";
export { memoryRouterSource, parseRouterStream, STREAM_PIECE, STREAM_LINE_MAX, type RouterFileSource } from "./stream.js";
