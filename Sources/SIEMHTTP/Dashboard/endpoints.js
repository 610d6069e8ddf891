// Endpoints: EDR agents with last seen and isolation state, queue a response action, history.
import { api, itemsOf } from './api.js';
import { clear, h, text, time, timeNode } from './dom.js';
import { showError, showStatus, table } from './ui.js';

const ACTIONS = {
  collect_file_hash: '{"path": "/bin/bash"}',
  kill_process: '{"pid": 1234}',
  isolate_endpoint: '{}',
  unisolate_endpoint: '{}',
  block_ip: '{"ip": "10.0.0.5"}',
  unblock_ip: '{"ip": "10.0.0.5"}',
};

const SHORT = 120;

/**
 * An action's result: its error, then its output as compact JSON; long output is shortened, with
 * the whole of it in the title and, pretty-printed, in an expandable element (open when its id is
 * in `expanded`). All text.
 */
function actionResult(entry, expanded) {
  const parts = [];
  if (entry.error) parts.push(h('div', { class: 'action-error' }, `error: ${text(entry.error)}`));
  if (entry.output !== undefined && entry.output !== null) {
    const compact = text(entry.output);
    parts.push(compact.length <= SHORT
      ? h('div', { class: 'action-output' }, compact)
      : h('details', { class: 'action-output', dataset: { id: String(entry.id) }, open: expanded.has(String(entry.id)) },
        h('summary', { title: compact }, `${compact.slice(0, SHORT - 1)}…`),
        h('pre', { class: 'raw' }, JSON.stringify(entry.output, null, 2))));
  }
  return parts;
}

function isolation(endpoint) {
  const value = endpoint.isolated ?? endpoint.isolation ?? endpoint.isolation_state;
  if (value === true) return 'isolated';
  if (value === false) return 'not isolated';
  return text(value ?? '');
}

export function render(main, { params, navigate }) {
  const selected = params.get('agent_id') ?? '';
  const list = h('div', { id: 'endpoints' });
  const agent = h('input', { name: 'agent_id', value: selected, placeholder: 'agent_id', required: true });
  const action = h('select', { name: 'action_type', 'aria-label': 'Action' }, Object.keys(ACTIONS).map((name) => h('option', { value: name }, name)));
  const actionParams = h('input', { name: 'params', value: ACTIONS.collect_file_hash, class: 'mono', 'aria-label': 'Parameters (JSON)' });
  const requestedBy = h('input', { name: 'requested_by', placeholder: 'requested_by', value: sessionStorage.getItem('siem.author') ?? '' });
  action.addEventListener('change', () => { actionParams.value = ACTIONS[action.value]; });
  const form = h('form', { class: 'searchbar', id: 'action-form' }, agent, action, actionParams, requestedBy, h('button', { type: 'submit' }, 'Queue action'));
  const history = h('div', { id: 'action-history' });
  main.append(h('h2', {}, 'Endpoints'), list, h('h2', {}, 'Response action'), form, h('h2', {}, `Action history${selected ? ` for ${selected}` : ''}`), history);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(actionParams.value || '{}');
    } catch {
      showStatus('Parameters must be a JSON object.', 'error');
      return;
    }
    try {
      const result = await api('/edr/actions', { method: 'POST', body: { agent_id: agent.value.trim(), action_type: action.value, params: parsed, requested_by: requestedBy.value.trim() || 'dashboard' } });
      showStatus(`Action ${text(result?.id ?? '')} queued for ${agent.value.trim()}.`, 'ok');
      loadHistory();
    } catch (error) {
      showError(error);
    }
  });

  async function load() {
    try {
      const rows = itemsOf(await api('/edr/endpoints', { params: { limit: 200 } }), 'endpoints');
      clear(list).append(table(
        [
          { label: 'Agent', class: 'mono', value: (endpoint) => text(endpoint.agent_id) },
          { label: 'Host', value: (endpoint) => text(endpoint.hostname ?? endpoint.host) },
          { label: 'OS', value: (endpoint) => text(endpoint.os ?? endpoint.platform) },
          { label: 'Last seen', class: 'nowrap', value: (endpoint) => timeNode(endpoint.last_seen ?? endpoint.last_seen_at) },
          { label: 'Status', value: (endpoint) => text(endpoint.status ?? (endpoint.online === undefined ? '' : endpoint.online ? 'online' : 'offline')) },
          { label: 'Isolation', value: (endpoint) => isolation(endpoint) },
        ],
        rows,
        { onRow: (endpoint) => navigate({ view: 'endpoints', agent_id: endpoint.agent_id }), empty: 'No endpoints have registered.' },
      ));
    } catch (error) {
      showError(error);
    }
  }

  async function loadHistory() {
    try {
      const rows = itemsOf(await api('/edr/actions/history', { params: { agent_id: selected, limit: 50 } }), 'actions');
      // Live refresh redraws the table: keep the outputs the user opened open.
      const expanded = new Set([...history.querySelectorAll('details[open]')].map((details) => details.dataset.id));
      clear(history).append(table(
        [
          { label: 'ID', value: (entry) => text(entry.id) },
          { label: 'Agent', class: 'mono', value: (entry) => text(entry.agent_id) },
          { label: 'Action', value: (entry) => text(entry.action_type) },
          { label: 'Params', class: 'mono', value: (entry) => text(entry.params) },
          { label: 'Status', class: 'action-status', value: (entry) => [text(entry.status), entry.completed_at ? h('div', { class: 'meta nowrap' }, time(entry.completed_at)) : null] },
          { label: 'Requested', class: 'nowrap', value: (entry) => `${time(entry.created_at)} by ${text(entry.requested_by)}` },
          { label: 'Result', class: 'mono result', value: (entry) => actionResult(entry, expanded) },
        ],
        rows,
        { empty: 'No actions yet.' },
      ));
    } catch (error) {
      showError(error);
    }
  }

  load();
  loadHistory();
  return { refresh: () => { load(); loadHistory(); } };
}
