import { readFileSync } from 'fs';
import { join } from 'path';

/**
 * The text of a shell script that ships beside the library's code (`lib/<folder>/<name>.sh`, copied next to the
 * compiled `.js` by `npm run build`). Scripts live in real files so that shellcheck lints them and the tests run
 * them as they are; they are read once, when their module loads, never by a construct at synth time.
 */
export function packagedScript(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}
