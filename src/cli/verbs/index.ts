// Every verb of the CLI, in the order `wharf --help` lists them.
import type { Verb } from '../verb.js';
import { upVerb } from './up.js';
import { checkVerb } from './check.js';
import { statusVerb } from './status.js';
import { restartVerb, startVerb, stopVerb } from './app-actions.js';
import { reloadVerb } from './reload.js';
import { scaleVerb } from './scale.js';
import { logsVerb } from './logs.js';
import { importVerb } from './import.js';
import { startupVerb } from './startup.js';
import { completionVerb } from './completion.js';
import { applyVerb, nodesVerb } from './cluster.js';
import { dashboardVerb, deployVerb, releasesVerb, rollbackVerb, rolloutVerb } from './releases.js';

export function allVerbs(): readonly Verb[] {
  const verbs: Verb[] = [
    upVerb, checkVerb, statusVerb, startVerb, stopVerb, restartVerb, reloadVerb, scaleVerb, logsVerb,
    deployVerb, rolloutVerb, rollbackVerb, releasesVerb, nodesVerb, applyVerb, dashboardVerb, importVerb, startupVerb,
  ];
  verbs.push(completionVerb(() => verbs));
  return verbs;
}
