// The control token in force: the config's, else the one kept in state_dir/control.token.
// Each start and reload settles it again (a reload may set or drop `control.token`).
import type { ControlConfig } from '../../config/model.js';
import type { Logger } from '../../observe/logger.js';
import type { ControlSettings } from '../control-server.js';
import { ensureControlToken } from './control-token.js';

export class ControlTokenKeeper {
  private tokenValue = '';

  constructor(private readonly logger: Logger) {}

  get token(): string {
    return this.tokenValue;
  }

  /** `control` with the token it settles to; the operator hears once where a kept token lives. */
  async settle(control: ControlConfig, stateDir: string): Promise<ControlSettings> {
    const { token, file } = await ensureControlToken(control.token, stateDir);
    if (file && token !== this.tokenValue) this.logger.info({ file }, 'control token kept in the state dir (owner-only); the wharf CLI reads it from there');
    this.tokenValue = token;
    return { ...control, token };
  }
}
