// The config schema as plain JSON Schema (draft-07) for editors: the TypeBox schema the loader
// validates with, stripped of TypeBox's private markers and annotated with KEY_DOCS.
import { ConfigSchema } from './schema.js';
import { KEY_DOCS } from './schema-docs.js';

export const CONFIG_SCHEMA_ID = 'https://wharf.dev/schema/wharf.schema.json';
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

type SchemaNode = { readonly [key: string]: unknown };

export function configJsonSchema(): object {
  // JSON round trip: drops TypeBox's symbol-keyed markers and leaves ConfigSchema untouched.
  const plain = JSON.parse(JSON.stringify(ConfigSchema)) as SchemaNode;
  const { $id: _id, title: _title, ...rest } = annotate(plain, '');
  return {
    $schema: DRAFT_07,
    $id: CONFIG_SCHEMA_ID,
    title: 'wharf config',
    description: 'wharf.yaml: the edge (listen, upstreams, routes), the supervised apps and the control API in one file.',
    ...rest,
  };
}

/** The exact text of schema/wharf.schema.json. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/**
 * A copy of `node` with the docs of `path` first (editors show them on hover) and its
 * children annotated. `*` stands for a map key, `[]` for a list item; union branches
 * share their key's path and carry only its title.
 */
function annotate(node: SchemaNode, path: string, branch = false): SchemaNode {
  const doc = path ? KEY_DOCS.get(path) : undefined;
  const out: Record<string, unknown> = {};
  if (doc?.title && (!branch || node.properties)) out.title = doc.title;
  if (doc && !branch) {
    const own = typeof node.description === 'string' ? node.description : undefined;
    out.description = own && own !== doc.description ? `${doc.description}. Value: ${own}` : doc.description;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key in out) continue;
    if (key === 'properties' && isNode(value)) {
      out.properties = mapValues(value, (child, name) => annotate(child, path ? `${path}.${name}` : name));
    } else if (key === 'patternProperties' && isNode(value)) {
      out.patternProperties = mapValues(value, (child) => annotate(child, `${path}.*`));
    } else if (key === 'items' && isNode(value)) {
      out.items = annotate(value, `${path}[]`);
    } else if (key === 'anyOf' && Array.isArray(value)) {
      out.anyOf = value.map((item: unknown) => (isNode(item) ? annotate(item, path, true) : item));
    } else {
      out[key] = value;
    }
  }
  return out;
}

function mapValues(record: SchemaNode, fn: (child: SchemaNode, key: string) => SchemaNode): SchemaNode {
  return Object.fromEntries(Object.entries(record).map(([key, child]) => [key, isNode(child) ? fn(child, key) : child]));
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
