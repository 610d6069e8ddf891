// The /docs page: renders siemd's own /openapi.json with no third-party code (the page's policy
// allows nothing but this origin). Everything taken from the document is inserted as text
// (textContent and text nodes), never as HTML. Operations are grouped by tag, each with an anchor
// (#operationId), its parameters, request body, responses and a small "Try it" form that sends the
// API key the dashboard keeps in sessionStorage.
import { apiKey, setAPIKey } from './api.js';
import { setUpThemeToggle } from './theme.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const MAX_DEPTH = 12; // nesting shown for a schema before it is cut short
const MAX_RESPONSE_CHARS = 200_000; // a "Try it" answer longer than this is shown cut
const MAX_FIELDS = 3000; // fields shown for one schema (shared references can multiply them)

let spec = null;
const operations = []; // {id, method, path, operation, parameters, tag, index, element, link}
const models = []; // {name, index, element}
let modelsSection = null;
let modelsGroup = null;
let highlighted = null;
let fieldBudget = MAX_FIELDS;

// --- DOM helpers (text only) ---------------------------------------------------------------------

/** An element with attributes (on* are listeners) and children (strings become text nodes). */
function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Text with its `code` spans as nodes (no HTML or Markdown is parsed). */
function inline(text) {
  if (typeof text !== 'string') return [];
  return text.split('`').map((part, index) => (index % 2 ? h('code', {}, part) : part)).filter((part) => part !== '');
}

/** Text in paragraphs (split at blank lines), with its `code` spans. */
function prose(text) {
  const container = h('div', { class: 'prose' });
  if (typeof text !== 'string' || !text.trim()) return container;
  for (const paragraph of text.split(/\n\s*\n/)) container.append(h('p', {}, inline(paragraph)));
  return container;
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// --- References ----------------------------------------------------------------------------------

/** The value a local JSON pointer (`#/components/...`) names in the document, or undefined. */
function pointer(ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
  let value = spec;
  for (const raw of ref.slice(2).split('/')) {
    let key;
    try {
      key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    } catch {
      return undefined;
    }
    if (!isObject(value) && !Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

function refName(ref) {
  return String(ref).split('/').pop();
}

/**
 * Follows `$ref`s (parameters, responses, request bodies, schemas) to the object they name; the
 * reference's own `description`/`summary` win, as OpenAPI 3.1 says. A chain that loops or points
 * nowhere ends in `{unresolved}`.
 */
function deref(value) {
  const seen = new Set();
  let overrides = {};
  while (isObject(value) && typeof value.$ref === 'string') {
    if (seen.has(value.$ref)) return { unresolved: value.$ref, cycle: true };
    seen.add(value.$ref);
    const { $ref, ...siblings } = value;
    overrides = { ...siblings, ...overrides };
    const target = pointer($ref);
    if (target === undefined) return { unresolved: $ref };
    value = target;
  }
  if (!isObject(value)) return value;
  return Object.keys(overrides).length ? { ...value, ...overrides } : value;
}

function unresolvedText(result) {
  return result.cycle ? `reference loops: ${result.unresolved}` : `unresolved reference ${result.unresolved ?? '?'}`;
}

function schemaLink(ref) {
  const name = refName(ref);
  if (ref.startsWith('#/components/schemas/') && pointer(ref) !== undefined) {
    return h('a', { class: 'ref', href: `#schema-${name}` }, name);
  }
  return h('span', { class: 'ref unresolved', title: 'unresolved reference' }, ref);
}

// --- Schemas -------------------------------------------------------------------------------------

/** A short type for a schema, as nodes: `string (date-time)`, `array of Event`, `Alert | null`. */
function typeLabel(schema, depth = 0) {
  if (schema === true || (isObject(schema) && Object.keys(schema).length === 0)) return ['any'];
  if (schema === false) return ['nothing'];
  if (!isObject(schema)) return ['?'];
  if (depth > MAX_DEPTH) return ['…'];
  if (typeof schema.$ref === 'string') return [schemaLink(schema.$ref)];
  const joined = (list, separator) =>
    list.flatMap((item, index) => [index ? separator : null, ...typeLabel(item, depth + 1)]).filter(Boolean);
  if (Array.isArray(schema.oneOf)) return joined(schema.oneOf, ' | ');
  if (Array.isArray(schema.anyOf)) return joined(schema.anyOf, ' | ');
  if (Array.isArray(schema.allOf)) return joined(schema.allOf, ' & ');
  if (schema.const !== undefined) return [h('code', {}, JSON.stringify(schema.const))];
  let types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (!types.length) {
    if (schema.properties || schema.additionalProperties !== undefined) types = ['object'];
    else if (schema.items) types = ['array'];
    else if (schema.enum) types = ['enum'];
    else return ['any'];
  }
  const parts = types.map((type) => {
    if (type === 'array') return schema.items ? ['array of ', ...typeLabel(schema.items, depth + 1)] : ['array'];
    return [schema.format && type !== 'null' ? `${type} (${schema.format})` : String(type)];
  });
  if (schema.nullable === true && !types.includes('null')) parts.push(['null']);
  return parts.flatMap((part, index) => (index ? [' | ', ...part] : part));
}

/** Enum values, default, bounds, pattern… of a schema, as small nodes. */
function constraints(schema) {
  if (!isObject(schema)) return [];
  const items = [];
  const chip = (...children) => h('span', { class: 'chip' }, ...children);
  const code = (value) => h('code', {}, typeof value === 'string' ? value : JSON.stringify(value));
  if (Array.isArray(schema.enum)) {
    items.push(chip('one of: ', schema.enum.flatMap((value, index) => [index ? ', ' : null, code(value)])));
  }
  if (schema.default !== undefined) items.push(chip('default ', code(schema.default)));
  const range = (low, high, exclusiveLow, exclusiveHigh, what) => {
    if (low === undefined && high === undefined && exclusiveLow === undefined && exclusiveHigh === undefined) return;
    let lower = null;
    if (low !== undefined) lower = [low, '≤', '≥'];
    else if (typeof exclusiveLow === 'number') lower = [exclusiveLow, '<', '>'];
    let upper = null;
    if (high !== undefined) upper = [high, '≤'];
    else if (typeof exclusiveHigh === 'number') upper = [exclusiveHigh, '<'];
    if (lower && upper) items.push(chip(`${lower[0]} ${lower[1]} ${what} ${upper[1]} ${upper[0]}`));
    else if (lower) items.push(chip(`${what} ${lower[2]} ${lower[0]}`));
    else if (upper) items.push(chip(`${what} ${upper[1]} ${upper[0]}`));
  };
  range(schema.minimum, schema.maximum, schema.exclusiveMinimum, schema.exclusiveMaximum, 'value');
  range(schema.minLength, schema.maxLength, undefined, undefined, 'length');
  range(schema.minItems, schema.maxItems, undefined, undefined, 'items');
  range(schema.minProperties, schema.maxProperties, undefined, undefined, 'keys');
  if (schema.pattern !== undefined) items.push(chip('pattern ', code(String(schema.pattern))));
  if (schema.uniqueItems === true) items.push(chip('unique items'));
  if (schema.readOnly === true) items.push(chip('read-only'));
  if (schema.writeOnly === true) items.push(chip('write-only'));
  if (schema.deprecated === true) items.push(chip('deprecated'));
  if (schema.example !== undefined) items.push(chip('example ', code(schema.example)));
  else if (Array.isArray(schema.examples) && schema.examples.length) items.push(chip('example ', code(schema.examples[0])));
  return items;
}

/** Properties, required names and extra keys of an object schema, `allOf` parts merged. */
function objectShape(schema, ancestors, depth) {
  const shape = { properties: {}, required: new Set(), additional: undefined, other: [] };
  const visit = (part, trail, level) => {
    if (level > MAX_DEPTH) return;
    if (isObject(part) && typeof part.$ref === 'string') {
      if (trail.has(part.$ref)) return shape.other.push({ cycle: part.$ref });
      const target = deref(part);
      if (target?.unresolved) return shape.other.push({ unresolved: target.unresolved });
      return visit(target, new Set([...trail, part.$ref]), level + 1);
    }
    if (!isObject(part)) return;
    for (const [name, value] of Object.entries(isObject(part.properties) ? part.properties : {})) {
      shape.properties[name] = { schema: value, trail };
    }
    for (const name of Array.isArray(part.required) ? part.required : []) shape.required.add(name);
    if (part.additionalProperties !== undefined) shape.additional = { schema: part.additionalProperties, trail };
    if (Array.isArray(part.allOf)) for (const item of part.allOf) visit(item, trail, level + 1);
  };
  visit(schema, ancestors, depth);
  return shape;
}

function isObjectSchema(schema) {
  if (!isObject(schema)) return false;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('object') || isObject(schema.properties) || Array.isArray(schema.allOf);
}

/**
 * What lies beneath a schema as a nested field list, or null for a plain value. `ancestors` holds
 * the `$ref`s on the way here, so a schema that contains itself is shown once and then named.
 */
function fields(schema, ancestors = new Set(), depth = 0) {
  if (depth > MAX_DEPTH) return h('p', { class: 'note' }, '… nested too deeply to show');
  if (fieldBudget <= 0) return h('p', { class: 'note' }, '… too large to show here; see /openapi.json');
  if (isObject(schema) && typeof schema.$ref === 'string') {
    if (ancestors.has(schema.$ref)) {
      return h('p', { class: 'note cycle' }, '↻ ', schemaLink(schema.$ref), ' again (it contains itself; shown above)');
    }
    const target = deref(schema);
    if (target?.unresolved) return h('p', { class: 'note' }, unresolvedText(target));
    return fields(target, new Set([...ancestors, schema.$ref]), depth + 1);
  }
  if (!isObject(schema)) return null;
  for (const key of ['oneOf', 'anyOf']) {
    if (!Array.isArray(schema[key])) continue;
    const list = h('ol', { class: 'alternatives' });
    let worthShowing = false; // `string | number` says it all in the type already
    schema[key].forEach((option) => {
      const resolved = deref(option);
      const described = isObject(resolved) && resolved.description && !option?.$ref;
      const beneath = fields(option, ancestors, depth + 1);
      if (described || beneath) worthShowing = true;
      list.append(h('li', {},
        h('span', { class: 'type' }, typeLabel(option)),
        described ? [' — ', inline(resolved.description)] : null,
        beneath));
    });
    if (!worthShowing) return null;
    return h('div', { class: 'one-of' }, h('span', { class: 'note' }, key === 'oneOf' ? 'one of:' : 'any of:'), list);
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if ((types.includes('array') || schema.items) && schema.items !== undefined && !isObjectSchema(schema)) {
    return fields(schema.items, ancestors, depth + 1); // the type already says "array of …"
  }
  if (!isObjectSchema(schema) && schema.additionalProperties === undefined) return null;
  const shape = objectShape(schema, ancestors, depth);
  const list = h('ul', { class: 'fields' });
  for (const [name, { schema: value, trail }] of Object.entries(shape.properties)) {
    const resolved = deref(value);
    const required = shape.required.has(name);
    fieldBudget -= 1;
    list.append(
      h('li', {},
        h('div', { class: 'field' },
          h('code', { class: 'name' }, name),
          h('span', { class: 'type' }, typeLabel(value)),
          required ? h('span', { class: 'badge required-badge' }, 'required') : null,
          constraints(isObject(resolved) ? resolved : {}),
          isObject(resolved) && resolved.description ? h('span', { class: 'desc' }, inline(resolved.description)) : null),
        fields(value, trail, depth + 1)));
  }
  if (shape.additional) {
    const extra = shape.additional.schema;
    if (extra === true || (isObject(extra) && Object.keys(extra).length === 0)) {
      const known = Object.keys(shape.properties).length;
      list.append(h('li', { class: 'note' }, known ? 'other keys allowed (any value)' : 'free-form object (any keys)'));
    } else if (extra === false) {
      list.append(h('li', { class: 'note' }, 'no other keys'));
    } else {
      list.append(h('li', {}, h('div', { class: 'field' }, h('span', { class: 'note' }, 'other keys: '),
        h('span', { class: 'type' }, typeLabel(extra))), fields(extra, shape.additional.trail, depth + 1)));
    }
  }
  for (const other of shape.other) {
    if (other.cycle) {
      list.append(h('li', { class: 'note cycle' }, '↻ ', schemaLink(other.cycle), ' again (it contains itself)'));
    } else {
      list.append(h('li', { class: 'note' }, unresolvedText(other)));
    }
  }
  if (!list.childElementCount) list.append(h('li', { class: 'note' }, 'object (no properties described)'));
  return list;
}

/** A schema: its type, constraints and description on one line (unless `head` is false), then its fields. */
function schemaView(schema, { head = true } = {}) {
  const resolved = deref(schema);
  const view = h('div', { class: 'schema' },
    head && h('div', { class: 'schema-head' },
      h('span', { class: 'type' }, typeLabel(schema)),
      constraints(isObject(resolved) ? resolved : {}),
      isObject(resolved) && resolved.description ? h('span', { class: 'desc' }, inline(resolved.description)) : null));
  fieldBudget = MAX_FIELDS;
  const beneath = fields(schema);
  if (beneath) view.append(beneath);
  return view;
}

/** A value that fits a schema, for the "Try it" body (required properties; all when none is). */
function example(schema, ancestors = new Set(), depth = 0) {
  if (depth > MAX_DEPTH) return null;
  if (isObject(schema) && typeof schema.$ref === 'string') {
    if (ancestors.has(schema.$ref)) return null;
    return example(deref(schema), new Set([...ancestors, schema.$ref]), depth + 1);
  }
  if (!isObject(schema)) return null;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if (Array.isArray(schema.oneOf) && schema.oneOf.length) return example(schema.oneOf[0], ancestors, depth + 1);
  if (Array.isArray(schema.anyOf) && schema.anyOf.length) return example(schema.anyOf[0], ancestors, depth + 1);
  const types = Array.isArray(schema.type) ? schema.type.filter((type) => type !== 'null') : [schema.type];
  const type = types[0] ?? (schema.properties || schema.allOf ? 'object' : schema.items ? 'array' : undefined);
  if (type === 'object') {
    const shape = objectShape(schema, ancestors, depth);
    const names = Object.keys(shape.properties);
    const chosen = shape.required.size ? names.filter((name) => shape.required.has(name)) : names;
    const value = {};
    for (const name of chosen) {
      const { schema: property, trail } = shape.properties[name];
      value[name] = example(property, trail, depth + 1);
    }
    return value;
  }
  if (type === 'array') return schema.items === undefined ? [] : [example(schema.items, ancestors, depth + 1)];
  if (type === 'integer' || type === 'number') return schema.minimum ?? 0;
  if (type === 'boolean') return false;
  if (type === 'string') {
    if (schema.format === 'date-time') return new Date().toISOString();
    if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
    return 'string';
  }
  return null;
}

// --- Operations ----------------------------------------------------------------------------------

function methodBadge(method) {
  return h('span', { class: `method method-${method}` }, method.toUpperCase());
}

function pathLabel(path) {
  const label = h('code', { class: 'path' });
  path.split(/(\{[^}]*\})/).forEach((part) => {
    if (!part) return;
    label.append(part.startsWith('{') ? h('span', { class: 'path-param' }, part) : document.createTextNode(part));
  });
  return label;
}

/** The operation's parameters with the path item's, `$ref`s resolved (the operation's win). */
function parametersOf(item, operation) {
  const byKey = new Map();
  for (const list of [item.parameters, operation.parameters]) {
    for (const raw of Array.isArray(list) ? list : []) {
      const parameter = deref(raw);
      if (!isObject(parameter)) continue;
      const key = parameter.unresolved ? `ref:${parameter.unresolved}` : `${parameter.in}:${parameter.name}`;
      byKey.set(key, parameter);
    }
  }
  return [...byKey.values()];
}

function parameterSchema(parameter) {
  if (parameter.schema !== undefined) return parameter.schema;
  if (isObject(parameter.content)) return Object.values(parameter.content)[0]?.schema;
  return undefined;
}

function parametersTable(parameters) {
  const body = h('tbody');
  for (const parameter of parameters) {
    if (parameter.unresolved) {
      body.append(h('tr', {}, h('td', { colspan: 4, class: 'note' }, unresolvedText(parameter))));
      continue;
    }
    const schema = parameterSchema(parameter);
    const resolved = deref(schema);
    body.append(
      h('tr', { 'data-param': parameter.name },
        h('td', {}, h('code', { class: 'name' }, parameter.name ?? '?'),
          parameter.required ? h('span', { class: 'badge required-badge' }, 'required') : null,
          parameter.deprecated ? h('div', { class: 'badge' }, 'deprecated') : null),
        h('td', { class: 'in' }, parameter.in ?? ''),
        h('td', {}, h('span', { class: 'type' }, schema === undefined ? 'any' : typeLabel(schema)),
          h('div', { class: 'chips' }, constraints(isObject(resolved) ? resolved : {}))),
        h('td', {}, prose(parameter.description ?? (isObject(resolved) ? resolved.description : '')))));
  }
  return h('table', { class: 'params' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'In'), h('th', {}, 'Type'), h('th', {}, 'Description'))),
    body);
}

function mediaList(content) {
  const list = h('div', { class: 'media-list' });
  for (const [type, media] of Object.entries(isObject(content) ? content : {})) {
    list.append(
      h('div', { class: 'media' },
        h('div', { class: 'media-type' }, h('code', {}, type)),
        isObject(media) && media.schema !== undefined ? schemaView(media.schema) : h('p', { class: 'note' }, 'no schema')));
  }
  return list;
}

function requestBodyView(raw) {
  const body = deref(raw);
  if (!isObject(body)) return null;
  if (body.unresolved) return h('p', { class: 'note' }, unresolvedText(body));
  const required = body.required === true;
  return h('div', { class: 'request-body' },
    h('p', {}, h('span', { class: required ? 'badge required-badge' : 'badge' }, required ? 'required' : 'optional'),
      body.description ? [' ', inline(body.description)] : null),
    mediaList(body.content));
}

function statusOrder(a, b) {
  const rank = (code) => (code === 'default' ? '9' : code);
  return rank(a).localeCompare(rank(b));
}

function responsesView(responses) {
  const list = h('div', { class: 'responses' });
  for (const status of Object.keys(isObject(responses) ? responses : {}).sort(statusOrder)) {
    const raw = responses[status];
    const response = deref(raw);
    const kind = /^[1-5]/.test(status) ? `status-${status[0]}xx` : 'status-other';
    const usable = isObject(response) && !response.unresolved;
    const summary = h('summary', {},
      h('span', { class: `status ${kind}` }, status),
      h('span', { class: 'desc' }, usable ? inline(response.description ?? '') : unresolvedText(response ?? {})),
      isObject(raw) && typeof raw.$ref === 'string' ? h('span', { class: 'ref-name' }, refName(raw.$ref)) : null);
    const details = h('details', { class: 'response', 'data-status': status }, summary);
    if (status.startsWith('2')) details.open = true;
    if (usable) {
      if (isObject(response.headers) && Object.keys(response.headers).length) {
        const headers = h('ul', { class: 'fields' });
        for (const [name, value] of Object.entries(response.headers)) {
          const header = deref(value);
          const described = isObject(header) && header.description;
          headers.append(h('li', {}, h('div', { class: 'field' },
            h('span', { class: 'note' }, 'header '),
            h('code', { class: 'name' }, name),
            h('span', { class: 'type' }, isObject(header) && header.schema !== undefined
              ? typeLabel(header.schema)
              : 'string'),
            described ? h('span', { class: 'desc' }, inline(header.description)) : null)));
        }
        details.append(headers);
      }
      if (isObject(response.content) && Object.keys(response.content).length) details.append(mediaList(response.content));
      else details.append(h('p', { class: 'note' }, 'no body'));
    }
    list.append(details);
  }
  return list;
}

function securityText(requirements) {
  if (!Array.isArray(requirements)) return null;
  if (!requirements.length) return 'none';
  return requirements
    .map((requirement) => (isObject(requirement) && Object.keys(requirement).length
      ? Object.keys(requirement).join(' + ')
      : 'none'))
    .join(' or ');
}

// --- Try it --------------------------------------------------------------------------------------

function shellQuote(text) {
  return `'${String(text).replaceAll("'", "'\\''")}'`;
}

function tryItView(entry) {
  const { method, path, parameters, operation } = entry;
  const form = h('form', { class: 'try-form', autocomplete: 'off', novalidate: true });
  const inputs = [];
  const usable = parameters.filter(
    (parameter) => !parameter.unresolved && ['path', 'query', 'header'].includes(parameter.in));
  if (usable.length) {
    const grid = h('div', { class: 'try-params' });
    for (const parameter of usable) {
      const schema = deref(parameterSchema(parameter)) ?? {};
      const id = `try-${entry.id}-${parameter.in}-${parameter.name}`;
      let input;
      if (Array.isArray(schema.enum) || schema.type === 'boolean') {
        const values = Array.isArray(schema.enum) ? schema.enum : [true, false];
        input = h('select', { id }, h('option', { value: '' }, parameter.required ? '(choose)' : '(not sent)'),
          values.map((value) => h('option', { value: String(value) }, String(value))));
      } else {
        let placeholder = parameter.required ? 'required' : '(not sent)';
        if (schema.default !== undefined) placeholder = `default ${schema.default}`;
        input = h('input', { id, type: 'text', spellcheck: 'false', placeholder });
      }
      inputs.push({ parameter, input });
      grid.append(
        h('label', { for: id },
          h('code', {}, parameter.name), parameter.required ? ' *' : '', h('span', { class: 'note' }, ` ${parameter.in}`)),
        input);
    }
    form.append(grid);
  }
  const body = deref(operation.requestBody);
  let typeSelect = null;
  let bodyInput = null;
  const contents = isObject(body) && isObject(body.content) ? body.content : {};
  const fill = () => {
    const type = typeSelect.value;
    const media = contents[type];
    if (isObject(media) && media.example !== undefined) {
      bodyInput.value = typeof media.example === 'string' ? media.example : JSON.stringify(media.example, null, 2);
    } else if (type.includes('json') && !type.includes('ndjson') && isObject(media) && media.schema !== undefined) {
      bodyInput.value = JSON.stringify(example(media.schema), null, 2);
    } else {
      bodyInput.value = '';
    }
    const schema = isObject(media) ? deref(media.schema) : undefined;
    bodyInput.placeholder = isObject(schema) && schema.description ? schema.description : type;
  };
  if (Object.keys(contents).length) {
    typeSelect = h('select', { 'aria-label': 'content type' },
      Object.keys(contents).map((type) => h('option', { value: type }, type)));
    bodyInput = h('textarea', { rows: 8, spellcheck: 'false', 'aria-label': 'request body' });
    typeSelect.addEventListener('change', () => {
      fill();
      preview();
    });
    form.append(h('div', { class: 'try-body' }, h('div', {}, 'Body ', typeSelect), bodyInput));
  }
  const send = h('button', { type: 'submit' }, `Send ${method.toUpperCase()}`);
  const keyNote = h('span', { class: 'note key-note' });
  const curl = h('pre', { class: 'curl', 'aria-label': 'the same request with curl' });
  const output = h('pre', { class: 'try-output', 'aria-live': 'polite', hidden: true });
  form.append(h('div', { class: 'try-actions' }, send, keyNote), curl, output);

  const build = () => {
    const missing = [];
    let url = path;
    const query = new URLSearchParams();
    const headers = { accept: 'application/json, text/plain;q=0.9, */*;q=0.8' };
    for (const { parameter, input } of inputs) {
      const value = input.value;
      if (value === '') {
        if (parameter.required) missing.push(parameter.name);
        continue;
      }
      if (parameter.in === 'path') url = url.replaceAll(`{${parameter.name}}`, encodeURIComponent(value));
      else if (parameter.in === 'query') query.append(parameter.name, value);
      else headers[parameter.name.toLowerCase()] = value;
    }
    const search = query.toString();
    if (search) url += `?${search}`;
    let payload;
    if (bodyInput && method !== 'get' && method !== 'head') {
      if (bodyInput.value !== '' || body.required) {
        payload = bodyInput.value;
        headers['content-type'] = typeSelect.value;
      }
    }
    return { url, headers, payload, missing };
  };
  const preview = () => {
    const { url, headers, payload } = build();
    const key = apiKey();
    keyNote.textContent = key
      ? 'sends the API key saved for this tab (x-api-key)'
      : 'no API key saved for this tab: sent with the browser\'s own credentials, if any';
    const parts = ['curl', '-sS', '-X', method.toUpperCase()];
    if (key) parts.push('-H', '"x-api-key: $SIEM_API_KEY"');
    for (const [name, value] of Object.entries(headers)) {
      if (name !== 'accept') parts.push('-H', shellQuote(`${name}: ${value}`));
    }
    if (payload !== undefined) parts.push('--data-binary', shellQuote(payload));
    parts.push(shellQuote(location.origin + url));
    curl.textContent = parts.join(' ');
  };
  form.addEventListener('input', preview);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { url, headers, payload, missing } = build();
    output.hidden = false;
    output.classList.remove('error');
    if (new URL(url, location.origin).origin !== location.origin) {
      output.classList.add('error');
      output.textContent = `Not sent: ${path} does not stay on this server`;
      return;
    }
    if (missing.length) {
      output.classList.add('error');
      output.textContent = `Fill in the required ${missing.length > 1 ? 'parameters' : 'parameter'}: ${missing.join(', ')}`;
      return;
    }
    const key = apiKey();
    if (key) headers['x-api-key'] = key;
    send.disabled = true;
    output.textContent = `${method.toUpperCase()} ${url} …`;
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: method.toUpperCase(), headers, body: payload, credentials: 'same-origin', cache: 'no-store',
      });
      let text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      if (type.includes('json')) {
        try {
          text = JSON.stringify(JSON.parse(text), null, 2);
        } catch {
          // not JSON after all: shown as it came
        }
      }
      const cut = text.length > MAX_RESPONSE_CHARS;
      const took = Math.round(performance.now() - started);
      const lines = [`${`HTTP ${response.status} ${response.statusText}`.trim()} · ${took} ms`];
      for (const name of ['content-type', 'retry-after', 'location', 'www-authenticate']) {
        const value = response.headers.get(name);
        if (value) lines.push(`${name}: ${value}`);
      }
      output.classList.toggle('error', !response.ok);
      const shown = cut
        ? `${text.slice(0, MAX_RESPONSE_CHARS)}\n… cut at ${MAX_RESPONSE_CHARS} of ${text.length} characters`
        : text;
      output.textContent = `${lines.join('\n')}\n\n${shown}`;
    } catch (error) {
      output.classList.add('error');
      output.textContent = `The request failed: ${error.message}`;
    } finally {
      send.disabled = false;
    }
  });
  if (typeSelect) fill();
  preview();
  const details = h('details', { class: 'try' }, h('summary', {}, 'Try it'), form);
  details.addEventListener('toggle', preview);
  return details;
}

// --- The page ------------------------------------------------------------------------------------

function operationView(entry) {
  const { id, method, path, operation, parameters } = entry;
  const described = typeof operation.description === 'string';
  const summaryText = operation.summary ?? (described ? operation.description.split(/\.\s/)[0] : '');
  const element = h('details', { class: `op op-${method}`, id, 'data-method': method, 'data-path': path },
    h('summary', {}, methodBadge(method), pathLabel(path), h('span', { class: 'op-summary' }, inline(summaryText)),
      operation.deprecated ? h('span', { class: 'badge' }, 'deprecated') : null));
  const body = h('div', { class: 'op-body' });
  body.append(
    h('div', { class: 'op-meta' },
      h('a', { class: 'anchor', href: `#${id}`, title: 'link to this operation' }, `#${id}`),
      operation.operationId ? null : h('span', { class: 'note' }, ' (no operationId)'),
      operation.security !== undefined
        ? h('span', { class: 'note' }, ` · auth: ${securityText(operation.security)}`)
        : null));
  if (operation.description) body.append(prose(operation.description));
  if (parameters.length) body.append(h('h4', {}, 'Parameters'), parametersTable(parameters));
  if (operation.requestBody !== undefined) body.append(h('h4', {}, 'Request body'), requestBodyView(operation.requestBody));
  body.append(h('h4', {}, 'Responses'), responsesView(operation.responses));
  body.append(tryItView(entry));
  element.append(body);
  return element;
}

function schemaNames(value, found = new Set(), depth = 0) {
  if (depth > 40) return found;
  if (Array.isArray(value)) for (const item of value) schemaNames(item, found, depth + 1);
  else if (isObject(value)) {
    if (typeof value.$ref === 'string' && value.$ref.startsWith('#/components/schemas/')) found.add(refName(value.$ref));
    for (const item of Object.values(value)) schemaNames(item, found, depth + 1);
  }
  return found;
}

function collectOperations() {
  const used = new Set();
  const unique = (wanted) => {
    let id = wanted;
    for (let n = 2; used.has(id) || document.getElementById(id); n += 1) id = `${wanted}-${n}`;
    used.add(id);
    return id;
  };
  for (const [path, rawItem] of Object.entries(isObject(spec.paths) ? spec.paths : {})) {
    const item = deref(rawItem);
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const parameters = parametersOf(item, operation);
      const tag = Array.isArray(operation.tags) && operation.tags.length ? String(operation.tags[0]) : 'other';
      const fallback = `${method}-${path}`.replace(/[^A-Za-z0-9_-]+/g, '-');
      const id = unique(operation.operationId ? String(operation.operationId) : fallback);
      const index = [
        method, path, `${method} ${path}`, operation.summary, operation.description, operation.operationId,
        ...(operation.tags ?? []), ...parameters.map((parameter) => parameter.name),
        ...schemaNames([operation.requestBody, operation.responses]),
      ].filter((part) => typeof part === 'string').join('\n').toLowerCase();
      operations.push({ id, method, path, operation, parameters, tag, index });
    }
  }
}

function introView() {
  const info = isObject(spec.info) ? spec.info : {};
  const intro = h('section', { class: 'intro' },
    h('h1', {}, info.title ?? 'API', ' ', h('span', { class: 'version' }, info.version ? `v${info.version}` : ''),
      ' ', h('span', { class: 'badge' }, `OpenAPI ${spec.openapi ?? '?'}`)),
    prose(info.description));
  const facts = h('dl', { class: 'facts' });
  const schemes = spec.components?.securitySchemes;
  if (isObject(schemes) && Object.keys(schemes).length) {
    const list = h('ul');
    for (const [name, raw] of Object.entries(schemes)) {
      const scheme = deref(raw);
      if (!isObject(scheme)) continue;
      let how = scheme.type ?? '';
      if (scheme.type === 'apiKey') how = `${scheme.in ?? ''} ${scheme.name ?? ''}`;
      else if (scheme.type === 'http') how = `HTTP ${scheme.scheme ?? ''}`;
      if (scheme.bearerFormat) how += ` (${scheme.bearerFormat})`;
      list.append(h('li', {},
        h('code', {}, name), ': ', how, scheme.description ? [' — ', inline(scheme.description)] : null));
    }
    facts.append(h('dt', {}, 'Authentication'), h('dd', {}, list,
      spec.security !== undefined ? h('div', { class: 'note' }, `accepted: ${securityText(spec.security)}`) : null,
      h('div', { class: 'note' },
        'Try it sends the API key saved in this tab (the same one the dashboard uses) as x-api-key.')));
  }
  if (Array.isArray(spec.servers) && spec.servers.some((server) => server?.url && server.url !== '/')) {
    const servers = spec.servers.map((server) =>
      h('div', {}, h('code', {}, server?.url ?? ''), server?.description ? ` — ${server.description}` : ''));
    facts.append(h('dt', {}, 'Servers'), h('dd', {}, servers));
  }
  if (isObject(info.license) && info.license.name) facts.append(h('dt', {}, 'License'), h('dd', {}, info.license.name));
  if (isObject(info.contact) && (info.contact.name || info.contact.email)) {
    facts.append(h('dt', {}, 'Contact'), h('dd', {}, [info.contact.name, info.contact.email].filter(Boolean).join(' · ')));
  }
  facts.append(h('dt', {}, 'Document'),
    h('dd', {}, h('a', { href: '/openapi.json' }, '/openapi.json'), ` · ${operations.length} operations`));
  intro.append(facts);
  return intro;
}

function render() {
  collectOperations();
  const main = document.getElementById('page-main');
  const toc = document.getElementById('page-toc');
  main.replaceChildren(introView());
  toc.replaceChildren();

  const declared = Array.isArray(spec.tags) ? spec.tags.filter(isObject) : [];
  const order = [...declared.map((tag) => String(tag.name))];
  for (const entry of operations) if (!order.includes(entry.tag)) order.push(entry.tag);
  for (const name of order) {
    const entries = operations.filter((entry) => entry.tag === name);
    if (!entries.length) continue;
    const tag = declared.find((candidate) => String(candidate.name) === name);
    const sectionId = `tag-${name.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
    const section = h('section', { class: 'tag', 'data-tag': name, 'aria-labelledby': `${sectionId}-title` },
      h('h2', { id: `${sectionId}-title` }, name), tag?.description ? prose(tag.description) : null);
    const group = h('div', { class: 'toc-group', 'data-tag': name }, h('div', { class: 'toc-tag' }, name));
    const links = h('ul');
    for (const entry of entries) {
      entry.element = operationView(entry);
      entry.section = section;
      section.append(entry.element);
      entry.link = h('li', {},
        h('a', { href: `#${entry.id}`, title: entry.operation.summary ?? '' }, methodBadge(entry.method), ' ', entry.path));
      links.append(entry.link);
    }
    group.append(links);
    main.append(section);
    toc.append(group);
  }
  main.append(h('p', { id: 'page-no-match', class: 'note', hidden: true }, 'No operation matches the filter.'));

  const schemas = isObject(spec.components?.schemas) ? spec.components.schemas : {};
  if (Object.keys(schemas).length) {
    const section = h('section', { class: 'tag models', id: 'page-schemas' }, h('h2', {}, 'Schemas'));
    const group = h('div', { class: 'toc-group' },
      h('div', { class: 'toc-tag' }, h('a', { href: '#page-schemas' }, 'Schemas')));
    for (const [name, schema] of Object.entries(schemas)) {
      const resolved = deref(schema);
      const escaped = name.replaceAll('~', '~0').replaceAll('/', '~1');
      const element = h('details', { class: 'model', id: `schema-${name}` },
        h('summary', {},
          h('code', { class: 'name' }, name), ' ',
          h('span', { class: 'type' }, typeLabel(isObject(schema) && schema.$ref ? schema : resolved)),
          constraints(isObject(resolved) ? resolved : {}),
          isObject(resolved) && resolved.description ? h('span', { class: 'desc' }, inline(resolved.description)) : null),
        h('div', { class: 'op-body' }, schemaView({ $ref: `#/components/schemas/${escaped}` }, { head: false })));
      const properties = isObject(resolved?.properties) ? Object.keys(resolved.properties) : [];
      const index = [name, resolved?.description, ...properties].filter((part) => typeof part === 'string');
      models.push({ name, element, index: index.join('\n').toLowerCase() });
      section.append(element);
    }
    main.append(section);
    modelsSection = section;
    modelsGroup = group;
    toc.append(group);
  }
}

function applyFilter() {
  const terms = document.getElementById('page-filter').value.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (index) => terms.every((term) => index.includes(term));
  let shown = 0;
  for (const entry of operations) {
    const visible = matches(entry.index);
    entry.element.hidden = !visible;
    entry.link.hidden = !visible;
    if (visible) shown += 1;
  }
  for (const section of document.querySelectorAll('#page-main section.tag[data-tag]')) {
    section.hidden = !section.querySelector('details.op:not([hidden])');
  }
  for (const group of document.querySelectorAll('#page-toc .toc-group[data-tag]')) {
    group.hidden = !group.querySelector('li:not([hidden])');
  }
  let modelsShown = 0;
  for (const model of models) {
    const visible = matches(model.index);
    model.element.hidden = !visible;
    if (visible) modelsShown += 1;
  }
  if (modelsSection) {
    modelsSection.hidden = terms.length > 0 && modelsShown === 0;
    modelsGroup.hidden = modelsSection.hidden;
  }
  document.getElementById('page-no-match').hidden = shown > 0;
  document.getElementById('page-count').textContent = terms.length
    ? `${shown} of ${operations.length} operations`
    : `${operations.length} operations`;
}

/** Opens, scrolls to and highlights the operation or schema the URL's #fragment names. */
function reveal() {
  let id = '';
  try {
    id = decodeURIComponent(location.hash.slice(1));
  } catch {
    return;
  }
  if (!id) return;
  const target = document.getElementById(id);
  if (!target || !document.getElementById('page-main').contains(target)) return;
  if (target.closest('[hidden]')) {
    document.getElementById('page-filter').value = '';
    applyFilter();
  }
  for (let node = target; node; node = node.parentElement?.closest('details')) {
    if (node.tagName === 'DETAILS') node.open = true;
  }
  highlighted?.classList.remove('highlight');
  target.classList.add('highlight');
  highlighted = target;
  target.scrollIntoView({ block: 'start' });
  target.querySelector('summary')?.focus({ preventScroll: true });
}

function setUpTheme() {
  setUpThemeToggle('page-theme');
}

function setUpKey() {
  const input = document.getElementById('page-api-key');
  input.value = apiKey();
  document.getElementById('page-key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    setAPIKey(input.value.trim());
    for (const form of document.querySelectorAll('form.try-form')) form.dispatchEvent(new Event('input'));
    if (!spec) load();
  });
}

function setUpControls() {
  const filter = document.getElementById('page-filter');
  filter.addEventListener('input', applyFilter);
  filter.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      filter.value = '';
      applyFilter();
    }
  });
  document.addEventListener('keydown', (event) => {
    const typing = event.target.closest?.('input, textarea, select');
    if (event.key === '/' && !typing) {
      event.preventDefault();
      filter.focus();
    }
  });
  const expand = document.getElementById('page-expand');
  expand.addEventListener('click', () => {
    const open = expand.getAttribute('aria-pressed') !== 'true';
    for (const entry of operations) if (!entry.element.hidden) entry.element.open = open;
    expand.setAttribute('aria-pressed', String(open));
    expand.textContent = open ? 'Collapse all' : 'Expand all';
  });
  window.addEventListener('hashchange', reveal);
  // A click on the link already in the URL fires no hashchange; reveal it again anyway.
  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[href^="#"]');
    if (link && link.getAttribute('href') === location.hash) setTimeout(reveal);
  });
}

async function load() {
  const main = document.getElementById('page-main');
  const headers = { accept: 'application/json' };
  const key = apiKey();
  if (key) headers['x-api-key'] = key;
  try {
    const response = await fetch('/openapi.json', { headers, credentials: 'same-origin', cache: 'no-cache' });
    if (!response.ok) {
      throw new Error(response.status === 401
        ? 'authentication required: save the API key above (or sign in), then it loads'
        : `HTTP ${response.status} ${response.statusText}`);
    }
    const parsed = await response.json();
    if (!isObject(parsed) || !isObject(parsed.paths)) throw new Error('the answer is not an OpenAPI document');
    spec = parsed;
  } catch (error) {
    main.replaceChildren(
      h('p', { class: 'note error', id: 'page-load-error' }, `Could not load /openapi.json: ${error.message}`));
    return;
  }
  render();
  applyFilter();
  reveal();
  document.documentElement.dataset.docsReady = 'true';
}

setUpTheme();
setUpKey();
setUpControls();
load();
