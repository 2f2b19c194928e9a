// The CLI's side of the control API. A daemon that is not running, a wrong app name or a
// refused token all become one-line errors with a stable code.
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class ControlClient {
  private announced = false;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    /** With -v: told once which wharf answered (URL, config file and hash). */
    private readonly announce?: (line: string) => void,
  ) {}

  async get<T>(path: string): Promise<T> {
    return (await this.call('GET', path)).json() as Promise<T>;
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await this.call('POST', path, body)).json() as Promise<T>;
  }

  async stream(path: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.call('GET', path);
    if (!res.body) throw new CliError('empty response from the control API', 'WHARF_CONTROL_EMPTY');
    return res.body;
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    const headers: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(`wharf is not running at ${this.baseUrl} (${cause}); start it with \`wharf up\``, 'WHARF_NOT_RUNNING');
    }
    this.say(res);
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: string; code?: string; errors?: string[] };
      const detail = body.errors?.join('\n') ?? body.error ?? `HTTP ${res.status}`;
      if (res.status === 401) {
        throw new CliError(`${detail}\n(the wharf at ${this.baseUrl} refused ${this.token ? 'the token given' : 'a request without a token'})`, body.code ?? 'WHARF_UNAUTHORIZED');
      }
      throw new CliError(detail, body.code ?? `WHARF_HTTP_${res.status}`);
    }
    return res;
  }

  private say(res: Response): void {
    if (!this.announce || this.announced) return;
    this.announced = true;
    const file = res.headers.get('x-wharf-config-file');
    const hash = res.headers.get('x-wharf-config');
    this.announce(`wharf: reached ${this.baseUrl}${file ? ` (config ${decodeURI(file)}, ${hash})` : ''}`);
  }
}
