// A control API request's JSON body, read whole up to a limit (bodies here are small documents).
import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(
    readonly code: 'WHARF_BODY_TOO_LARGE' | 'WHARF_BAD_REQUEST',
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** `what` names the request in the errors ("a deploy request"); an empty body is {}. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, what: string): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BodyError('WHARF_BODY_TOO_LARGE', `${what} is at most ${maxBytes} bytes`, 413);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError('WHARF_BAD_REQUEST', `${what}: the body is not valid JSON`, 400);
  }
}
