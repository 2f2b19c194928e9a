// RootedResolver on a real directory tree: what is found inside the root (through symlinks
// too), what reads as "not found" (outside the root, dangling, looping, too long, through a
// file), and which file system errors are a server fault instead.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { isAbsentError, RootedResolver } from '../../../src/edge/static/resolve-path.js';

describe('RootedResolver', () => {
  let base = '';
  let root = '';
  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'wharf-resolve-')));
    root = join(base, 'site');
    await mkdir(join(root, 'docs'), { recursive: true });
    await mkdir(join(base, 'site-private'));
    await writeFile(join(root, 'a.txt'), 'a');
    await writeFile(join(root, 'docs', 'b.txt'), 'bb');
    await writeFile(join(base, 'secret.txt'), 'secret');
    await writeFile(join(base, 'site-private', 'passwd'), 'secret');
    const links: [string, string][] = [
      ['link-in', 'docs/b.txt'],
      ['link-dir', 'docs'],
      ['link-out', '../secret.txt'],
      ['link-sibling', '../site-private/passwd'],
      ['dangling', 'nowhere.txt'],
      ['loop1', 'loop2'],
      ['loop2', 'loop1'],
    ];
    for (const [name, target] of links) await symlink(target, join(root, name));
  });
  after(() => rm(base, { recursive: true, force: true }));

  const located = async (resolver: RootedResolver, ...segments: string[]) => (await resolver.locate(segments))?.path;
  const probed = async (resolver: RootedResolver, dir: string, name: string) => {
    const found = await resolver.probeFile(dir, name);
    return found && { path: found.path, size: found.stats.size };
  };

  test('locate finds files and directories inside the root, the root itself, and follows symlinks that stay inside', async () => {
    const resolver = new RootedResolver(root);
    assert.equal(await located(resolver, 'a.txt'), join(root, 'a.txt'));
    assert.equal(await located(resolver, 'docs'), join(root, 'docs'));
    assert.equal(await located(resolver), root);
    assert.equal(await located(resolver, 'link-in'), join(root, 'docs', 'b.txt'), 'the real path');
    assert.equal(await located(resolver, 'link-dir', 'b.txt'), join(root, 'docs', 'b.txt'));
    assert.equal((await resolver.locate(['docs', 'b.txt']))?.stats.size, 2);
  });

  test('locate: outside the root, a sibling named like the root, dangling, looping, through a file or too long is not found', async () => {
    const resolver = new RootedResolver(root);
    const missing = [['link-out'], ['link-sibling'], ['dangling'], ['loop1'], ['a.txt', 'x'], ['n'.repeat(300)], ['nothing-here']];
    for (const segments of missing) assert.equal(await located(resolver, ...segments), undefined, segments.join('/').slice(0, 40));
  });

  test('probeFile: a plain file costs nothing more; a symlink is followed to a file inside the root only', async () => {
    const resolver = new RootedResolver(root);
    assert.deepEqual(await probed(resolver, root, 'a.txt'), { path: join(root, 'a.txt'), size: 1 });
    assert.deepEqual(await probed(resolver, root, 'link-in'), { path: join(root, 'docs', 'b.txt'), size: 2 });
    for (const name of ['docs', 'link-dir', 'link-out', 'link-sibling', 'dangling', 'loop1', 'nothing-here', 'n'.repeat(300)]) {
      assert.equal(await probed(resolver, root, name), undefined, name.slice(0, 40));
    }
    assert.equal(await probed(resolver, join(root, 'a.txt'), 'x'), undefined, 'a file is no directory');
  });

  test('a root of / holds everything below it', async () => {
    const resolver = new RootedResolver(sep);
    assert.equal(await located(resolver, ...root.split(sep).filter(Boolean), 'a.txt'), join(root, 'a.txt'));
    assert.deepEqual(await probed(resolver, root, 'link-in'), { path: join(root, 'docs', 'b.txt'), size: 2 });
  });

  test('a root that does not exist yet is looked up again on the next request', async () => {
    const later = join(base, 'later');
    const resolver = new RootedResolver(later);
    await assert.rejects(resolver.locate(['a.txt']), { code: 'ENOENT' });
    await mkdir(later);
    await writeFile(join(later, 'a.txt'), 'now');
    assert.equal(await located(resolver, 'a.txt'), join(later, 'a.txt'));
  });

  test('a file system error that does not mean "absent" is thrown, not turned into a 404', async () => {
    const resolver = new RootedResolver(root);
    // A NUL byte in a name is one such error that can be produced on purpose (the request path parser refuses it first).
    await assert.rejects(resolver.locate(['a\0b']), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(resolver.probeFile(root, 'a\0b'), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});

test('isAbsentError: exactly the codes that mean "nothing servable here"', () => {
  for (const code of ['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'EACCES', 'EPERM', 'EINVAL']) {
    assert.equal(isAbsentError(Object.assign(new Error(code), { code })), true, code);
  }
  for (const error of [Object.assign(new Error('EIO'), { code: 'EIO' }), Object.assign(new Error('EMFILE'), { code: 'EMFILE' }), { code: 2 }, new Error('plain'), null, undefined]) {
    assert.equal(isAbsentError(error), false, String((error as { code?: unknown } | null)?.code));
  }
});
