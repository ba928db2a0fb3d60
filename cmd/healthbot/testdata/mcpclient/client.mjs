// Drives healthbot's MCP server with the official TypeScript SDK and prints
// what it saw as one JSON object, for cmd/healthbot's TestMCPWithTheTypeScriptSDK.
//
//   node client.mjs stdio <command> [args...]   (env is passed through)
//   node client.mjs http <url> <api key>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [mode, target, ...rest] = process.argv.slice(2);

function newClient() {
  return new Client({ name: "healthbot-ts-test", version: "1.0.0" });
}

async function exercise(transport) {
  const client = newClient();
  await client.connect(transport);
  const tools = (await client.listTools()).tools;
  const search = await client.callTool({ name: "search_accounts", arguments: { band: "red", sort: "score_asc" } });
  const account = await client.callTool({ name: "get_account", arguments: { account: "acme" } });
  const bad = await client.callTool({ name: "score_history", arguments: { account: "acme", days: -1 } });
  const resource = await client.readResource({ uri: "healthbot://account/acme" });
  const prompt = await client.getPrompt({ name: "account_review", arguments: { account: "acme" } });
  await client.close();
  return {
    server: client.getServerVersion(),
    tools: tools.map((t) => ({ name: t.name, readOnly: t.annotations?.readOnlyHint === true })),
    search: JSON.parse(search.content[0].text),
    searchStructured: search.structuredContent,
    account: JSON.parse(account.content[0].text),
    badCall: { isError: bad.isError === true, text: bad.content[0].text },
    resource: resource.contents[0],
    promptMessages: prompt.messages.length,
  };
}

let out;
if (mode === "stdio") {
  out = await exercise(new StdioClientTransport({ command: target, args: rest, env: process.env, stderr: "inherit" }));
} else if (mode === "http") {
  const [key] = rest;
  let unauthorized = "";
  try {
    const c = newClient();
    await c.connect(new StreamableHTTPClientTransport(new URL(target)));
    await c.close();
  } catch (err) {
    unauthorized = `${err?.code ?? "no code"}: ${err?.message ?? err}`;
  }
  out = await exercise(new StreamableHTTPClientTransport(new URL(target), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  }));
  out.unauthorized = unauthorized;
} else {
  console.error("usage: node client.mjs stdio <command> [args...] | http <url> <key>");
  process.exit(2);
}
console.log(JSON.stringify(out));
