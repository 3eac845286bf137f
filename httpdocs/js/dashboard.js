// The ntopng dashboard: one page over the REST API v2, no libraries. Every value coming from the API is put
// into the DOM as text (textContent, text nodes, attributes), never parsed as HTML.
(function () {
  'use strict';

  const API = '/lua/rest/v2/get/';
  const REFRESH_MS = 5000;
  const PAGE_SIZES = [10, 25, 50, 100];

  // ---------- REST ----------

  class NotLoggedIn extends Error {}

  class ApiError extends Error {
    constructor(path, status, body) {
      super(path + ': ' + ((body && body.rc_str_hr) || ('HTTP ' + status)));
      this.status = status;
      this.rc = body ? body.rc : undefined;
    }
  }

  function toLogin() {
    const here = location.pathname + location.search + location.hash;
    location.assign('/lua/login.lua?referer=' + encodeURIComponent(here));
  }

  // GET one endpoint (path without ".lua"); resolves to the envelope's `rsp`.
  async function api(path, params) {
    const query = new URLSearchParams(params || {}).toString();
    const url = API + path + '.lua' + (query ? '?' + query : '');
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (res.status === 401) {
      toLogin();
      throw new NotLoggedIn(path);
    }
    let body = null;
    try {
      body = await res.json();
    } catch (_) {
      throw new ApiError(path, res.status, null);
    }
    if (!res.ok || body.rc !== 0) throw new ApiError(path, res.status, body);
    return body.rsp;
  }

  // ---------- DOM and formatting ----------

  const $ = (id) => document.getElementById(id);

  // el('td', {class: 'num', title: 't'}, 'text', childNode...): strings become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  function num(v) {
    const n = Number(v);
    return Number.isFinite(n) ? n : 0;
  }

  // 1234567 -> "1,234,567" (the same in every locale, so pages and tests agree).
  function fmtInt(v) {
    const n = Math.round(num(v));
    const s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return n < 0 ? '-' + s : s;
  }

  // Bytes in 1024 steps with two decimals, as ntopng's bytesToSize.
  function fmtBytes(v) {
    let n = num(v);
    if (n < 1024) return fmtInt(n) + ' B';
    const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
    let u = -1;
    while (n >= 1024 && u < units.length - 1) {
      n /= 1024;
      u++;
    }
    return n.toFixed(2) + ' ' + units[u];
  }

  function fmtDuration(v) {
    let s = Math.max(0, Math.round(num(v)));
    if (s < 60) return s + ' s';
    const d = Math.floor(s / 86400);
    s %= 86400;
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    const parts = [];
    if (d) parts.push(d + ' d');
    if (h) parts.push(h + ' h');
    if (m) parts.push(m + ' min');
    if (sec && !d) parts.push(sec + ' s');
    return parts.join(' ');
  }

  function fmtTime(epoch) {
    const n = num(epoch);
    return n > 0 ? new Date(n * 1000).toLocaleString() : '–';
  }

  // A cell holding a byte count: the readable size shown, the exact count in data-value and the title.
  function bytesCell(v) {
    return el('td', { class: 'num', 'data-value': num(v), title: fmtInt(v) + ' bytes' }, fmtBytes(v));
  }

  // A horizontal two-part bar (client/server share) with its numbers spoken.
  function breakdownBar(cli, srv) {
    const bar = el('div', { class: 'bar', role: 'img', 'aria-label': 'Client ' + cli + '%, server ' + srv + '%' });
    const a = el('span', { class: 'cli' });
    const b = el('span', { class: 'srv' });
    a.style.width = Math.max(0, Math.min(100, num(cli))) + '%';
    b.style.width = Math.max(0, Math.min(100, num(srv))) + '%';
    bar.append(a, b);
    return bar;
  }

  function shareBar(pct) {
    const p = Math.max(0, Math.min(100, num(pct)));
    const bar = el('div', { class: 'bar', role: 'img', 'aria-label': p.toFixed(1) + '%' });
    const fill = el('span', { class: 'cli' });
    fill.style.width = p + '%';
    bar.append(fill);
    return bar;
  }

  function setStatus(text, isError) {
    const err = $('error');
    if (isError) {
      err.textContent = text;
      err.hidden = false;
    } else {
      $('status').textContent = text;
      err.textContent = '';
      err.hidden = true;
    }
  }

  function emptyRow(tbody, cols, text) {
    tbody.replaceChildren(el('tr', {}, el('td', { colspan: cols, class: 'empty' }, text)));
  }

  // ---------- routing ----------
  // #ifid=0[&host=1.2.3.4&vlan=0] picks the view; the tables' page, size and order are kept there too
  // (flows_page, flows_per_page, flows_sort, flows_order, hosts_page, hosts_per_page, host_flows_page,
  // host_flows_per_page), so a view can be bookmarked and reloaded as it was.

  const state = {
    ifid: null,
    host: null,
    vlan: 0,
    ifaces: [],
    numHosts: 0,
    flows: { page: 1, perPage: 10, sort: 'column_bytes', order: 'desc' },
    hosts: { page: 1, perPage: 10 },
    hostFlows: { page: 1, perPage: 10 },
  };
  const TABLES = { flows: 'flows', hosts: 'hosts', host_flows: 'hostFlows' };
  const SORTABLE = ['column_ndpi', 'column_proto_l4', 'column_client', 'column_server', 'column_duration', 'column_bytes'];

  function hostHref(ip, vlan) {
    const p = new URLSearchParams({ ifid: state.ifid, host: ip });
    if (num(vlan)) p.set('vlan', num(vlan));
    return '#' + p.toString();
  }

  function positive(v, dflt) {
    const n = Math.floor(num(v));
    return n >= 1 ? n : dflt;
  }

  function readHash() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ''));
    const ifid = p.get('ifid');
    const known = state.ifaces.some((i) => String(i.ifid) === ifid);
    state.ifid = known ? ifid : (state.ifaces.length ? String(state.ifaces[0].ifid) : '0');
    state.host = p.get('host') || null;
    state.vlan = num(p.get('vlan'));
    for (const [prefix, key] of Object.entries(TABLES)) {
      const t = state[key];
      t.page = positive(p.get(prefix + '_page'), 1);
      const size = positive(p.get(prefix + '_per_page'), 10);
      t.perPage = PAGE_SIZES.includes(size) ? size : 10;
    }
    const sort = p.get('flows_sort');
    state.flows.sort = SORTABLE.includes(sort) ? sort : 'column_bytes';
    state.flows.order = p.get('flows_order') === 'asc' ? 'asc' : 'desc';
  }

  // The hash for the current state; only non-default table settings are written.
  function stateHash() {
    const p = new URLSearchParams({ ifid: state.ifid });
    if (state.host) {
      p.set('host', state.host);
      if (state.vlan) p.set('vlan', state.vlan);
    }
    for (const [prefix, key] of Object.entries(TABLES)) {
      const t = state[key];
      if (t.page !== 1) p.set(prefix + '_page', t.page);
      if (t.perPage !== 10) p.set(prefix + '_per_page', t.perPage);
    }
    if (state.flows.sort !== 'column_bytes') p.set('flows_sort', state.flows.sort);
    if (state.flows.order !== 'desc') p.set('flows_order', state.flows.order);
    return '#' + p.toString();
  }

  // A table setting changed: remember it in the address (without a hashchange) and redraw.
  function tableChanged() {
    history.replaceState(null, '', stateHash());
    refresh();
  }

  // ---------- pager and sortable headers (built once, updated on each refresh) ----------

  class Pager {
    constructor(nav, label, onChange) {
      this.onChange = onChange;
      const id = nav.id + '-size';
      this.size = el('select', { id: id });
      for (const n of PAGE_SIZES) this.size.append(el('option', { value: n }, n));
      this.prev = el('button', { type: 'button' }, 'Previous');
      this.next = el('button', { type: 'button' }, 'Next');
      this.info = el('span', { class: 'pager-info' });
      nav.append(el('label', { for: id }, 'Rows per page'), this.size, this.prev, this.info, this.next);
      this.size.addEventListener('change', () => this.onChange(1, num(this.size.value)));
      this.prev.addEventListener('click', () => this.onChange(this.page - 1, this.perPage));
      this.next.addEventListener('click', () => this.onChange(this.page + 1, this.perPage));
      this.label = label;
    }

    update(page, perPage, total) {
      this.page = page;
      this.perPage = perPage;
      const pages = Math.max(1, Math.ceil(total / perPage));
      this.size.value = String(perPage);
      this.prev.disabled = page <= 1;
      this.next.disabled = page >= pages;
      const from = total ? (page - 1) * perPage + 1 : 0;
      const to = Math.min(total, page * perPage);
      this.info.textContent =
        'Page ' + page + ' of ' + pages + ': ' + this.label + ' ' + fmtInt(from) + '–' + fmtInt(to) + ' of ' + fmtInt(total);
    }
  }

  function makeSortable(table, sortState, onChange) {
    const ths = Array.from(table.querySelectorAll('th[data-sort]'));
    const paint = () => {
      for (const th of ths) {
        if (th.dataset.sort === sortState.sort) th.setAttribute('aria-sort', sortState.order === 'asc' ? 'ascending' : 'descending');
        else th.removeAttribute('aria-sort');
      }
    };
    for (const th of ths) {
      const button = el('button', { type: 'button', class: 'sort' }, th.textContent);
      th.replaceChildren(button);
      button.addEventListener('click', () => {
        if (sortState.sort === th.dataset.sort) {
          sortState.order = sortState.order === 'asc' ? 'desc' : 'asc';
        } else {
          sortState.sort = th.dataset.sort;
          // numbers start with the largest, names with A
          sortState.order = th.classList.contains('num') ? 'desc' : 'asc';
        }
        paint();
        onChange();
      });
    }
    return paint;
  }

  // A page past the end (the table shrank, or an old bookmark) goes to the last page on the next round.
  function clampPage(t, total) {
    const pages = Math.max(1, Math.ceil(total / t.perPage));
    if (t.page <= pages) return false;
    t.page = pages;
    history.replaceState(null, '', stateHash());
    again = true;
    return true;
  }

  // ---------- the views ----------

  function renderSummary(d) {
    $('summary-ifname').textContent = d.ifname || '';
    const set = (id, v, text) => {
      const dd = $(id);
      dd.textContent = text;
      dd.dataset.value = v;
    };
    set('sum-packets', num(d.packets), fmtInt(d.packets));
    set('sum-bytes', num(d.bytes), fmtBytes(d.bytes));
    $('sum-bytes').title = fmtInt(d.bytes) + ' bytes';
    set('sum-flows', num(d.num_flows), fmtInt(d.num_flows));
    set('sum-hosts', num(d.num_hosts), fmtInt(d.num_hosts));
    set('sum-local-hosts', num(d.num_local_hosts), fmtInt(d.num_local_hosts));
    set('sum-drops', num(d.drops), fmtInt(d.drops));
    set('sum-uptime', d.uptime || '', d.uptime || '–');
  }

  function renderApps(tbody, apps, withDuration) {
    const list = Array.isArray(apps) ? apps : [];
    const total = list.reduce((s, a) => s + num(a.value), 0);
    if (!list.length) {
      emptyRow(tbody, withDuration ? 4 : 3, 'No traffic yet');
      return;
    }
    tbody.replaceChildren(
      ...list.map((a) => {
        const pct = total ? (100 * num(a.value)) / total : 0;
        const cells = [el('th', { scope: 'row' }, a.label)];
        if (withDuration) cells.push(el('td', { class: 'num' }, a.duration === undefined ? '–' : fmtDuration(a.duration)));
        cells.push(bytesCell(a.value), el('td', {}, shareBar(pct), el('span', { class: 'pct' }, pct.toFixed(1) + '%')));
        return el('tr', {}, ...cells);
      })
    );
  }

  // "name:port", the name linking to the host page; the IP beside it when the name is a resolved one.
  function endpointCell(ep, vlan) {
    const ip = ep.ip || '';
    const td = el('td', { 'data-ip': ip, 'data-port': num(ep.port) });
    td.append(el('a', { href: hostHref(ip, vlan) }, ep.name || ip), ':' + num(ep.port));
    if (ep.name && ep.name !== ip) td.append(' ', el('span', { class: 'ip' }, ip));
    return td;
  }

  function renderFlows(tbody, rsp) {
    const rows = (rsp && rsp.data) || [];
    if (!rows.length) {
      emptyRow(tbody, 7, 'No active flows');
      return;
    }
    tbody.replaceChildren(
      ...rows.map((f) => {
        const p = f.protocol || {};
        const b = f.breakdown || {};
        return el(
          'tr',
          { 'data-key': f.key },
          el('td', {}, p.l7 || 'Unknown'),
          el('td', {}, p.l4 || ''),
          endpointCell(f.client || {}, f.vlan),
          endpointCell(f.server || {}, f.vlan),
          el('td', { class: 'num', 'data-value': num(f.duration) }, fmtDuration(f.duration)),
          el('td', {}, breakdownBar(num(b.cli2srv), num(b.srv2cli))),
          bytesCell(f.bytes)
        );
      })
    );
  }

  function renderHosts(tbody, rsp) {
    const rows = (rsp && rsp.data) || [];
    if (!rows.length) {
      emptyRow(tbody, 8, 'No active hosts');
      return;
    }
    tbody.replaceChildren(
      ...rows.map((h) => {
        const bytes = h.bytes || {};
        const flows = h.num_flows || {};
        return el(
          'tr',
          { 'data-ip': h.ip },
          el('th', { scope: 'row' }, el('a', { href: hostHref(h.ip, h.vlan) }, h.ip)),
          el('td', {}, h.name || ''),
          el('td', {}, h.is_localhost ? 'Local' : 'Remote'),
          el('td', { class: 'num' }, fmtInt(flows.total)),
          el('td', {}, fmtTime(h.first_seen)),
          bytesCell(bytes.sent),
          bytesCell(bytes.recvd),
          bytesCell(bytes.total)
        );
      })
    );
  }

  function renderHostDetails(h) {
    $('host-name').textContent = h.name && h.name !== h.ip ? h.name + ' (' + h.ip + ')' : h.ip;
    const items = [
      ['IP address', h.ip],
      ['Name', h.name || '–'],
      ['MAC address', h.mac || '–'],
      ['VLAN', num(h.vlan)],
      ['Location', h.localhost ? 'Local' : 'Remote'],
      ['First seen', fmtTime(h['seen.first'])],
      ['Last seen', fmtTime(h['seen.last'])],
      ['Sent', fmtBytes(h['bytes.sent']) + ' / ' + fmtInt(h['packets.sent']) + ' packets'],
      ['Received', fmtBytes(h['bytes.rcvd']) + ' / ' + fmtInt(h['packets.rcvd']) + ' packets'],
      ['Active flows as client', fmtInt(h['active_flows.as_client'])],
      ['Active flows as server', fmtInt(h['active_flows.as_server'])],
      ['Score', fmtInt(h.score)],
    ];
    $('host-details').replaceChildren(...items.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
  }

  let flowPager, hostPager, hostFlowPager, paintSort;

  async function renderIface() {
    const ifid = state.ifid;
    const f = state.flows;
    const h = state.hosts;
    const [data, apps, flows, hosts] = await Promise.all([
      api('interface/data', { ifid }),
      api('interface/l7/stats', { ifid, ndpistats_mode: 'sinceStartup' }),
      api('flow/active', { ifid, currentPage: f.page, perPage: f.perPage, sortColumn: f.sort, sortOrder: f.order }),
      api('host/active', { ifid, currentPage: h.page, perPage: h.perPage, sortColumn: 'column_ip', sortOrder: 'asc' }),
    ]);
    renderSummary(data);
    renderApps($('apps-table').tBodies[0], apps, false);
    paintSort();
    renderFlows($('flows-table').tBodies[0], flows);
    flowPager.update(f.page, f.perPage, num(flows.totalRows));
    // host/active has no totalRows (as in ntopng): the interface's host count pages it.
    state.numHosts = num(data.num_hosts);
    renderHosts($('hosts-table').tBodies[0], hosts);
    hostPager.update(h.page, h.perPage, state.numHosts);
    clampPage(f, num(flows.totalRows));
    clampPage(h, state.numHosts);
  }

  async function renderHost() {
    const ifid = state.ifid;
    const hf = state.hostFlows;
    const host = { ifid, host: state.host };
    if (state.vlan) host.vlan = state.vlan;
    let data;
    try {
      data = await api('host/data', host);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        $('host-name').textContent = state.host;
        $('host-details').replaceChildren(el('div', {}, el('dt', {}, 'Status'), el('dd', {}, 'This host is no longer active')));
        emptyRow($('host-apps-table').tBodies[0], 4, 'No data');
        emptyRow($('host-flows-table').tBodies[0], 7, 'No data');
        return;
      }
      throw e;
    }
    const [apps, flows] = await Promise.all([
      api('host/l7/stats', host),
      api('flow/active', Object.assign({ currentPage: hf.page, perPage: hf.perPage }, host)),
    ]);
    renderHostDetails(data);
    renderApps($('host-apps-table').tBodies[0], apps, true);
    renderFlows($('host-flows-table').tBodies[0], flows);
    hostFlowPager.update(hf.page, hf.perPage, num(flows.totalRows));
    clampPage(hf, num(flows.totalRows));
  }

  // ---------- the refresh loop: one render at a time, again every REFRESH_MS ----------

  let timer = null;
  let running = false;
  let again = false;

  async function refresh() {
    clearTimeout(timer);
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      if (!document.hidden) {
        $('iface-view').hidden = !!state.host;
        $('host-view').hidden = !state.host;
        await (state.host ? renderHost() : renderIface());
        setStatus('Updated ' + new Date().toLocaleTimeString());
      }
    } catch (e) {
      running = false;
      if (e instanceof NotLoggedIn) return; // on the way to the login page
      setStatus('Update failed: ' + e.message, true);
    }
    running = false;
    if (again) {
      again = false;
      refresh();
      return;
    }
    timer = setTimeout(refresh, REFRESH_MS);
  }

  function fillInterfaces() {
    const sel = $('ifid');
    sel.replaceChildren(...state.ifaces.map((i) => el('option', { value: i.ifid }, i.name || i.ifname)));
    sel.value = state.ifid;
  }

  async function start() {
    flowPager = new Pager($('flows-pager'), 'flows', (page, perPage) => {
      Object.assign(state.flows, { page, perPage });
      tableChanged();
    });
    hostPager = new Pager($('hosts-pager'), 'hosts', (page, perPage) => {
      Object.assign(state.hosts, { page, perPage });
      tableChanged();
    });
    hostFlowPager = new Pager($('host-flows-pager'), 'flows', (page, perPage) => {
      Object.assign(state.hostFlows, { page, perPage });
      tableChanged();
    });
    paintSort = makeSortable($('flows-table'), state.flows, () => {
      state.flows.page = 1;
      tableChanged();
    });
    $('ifid').addEventListener('change', (e) => {
      location.hash = new URLSearchParams({ ifid: e.target.value }).toString();
    });
    $('home-link').addEventListener('click', (e) => {
      e.preventDefault();
      location.hash = new URLSearchParams({ ifid: state.ifid }).toString();
    });
    $('back-link').addEventListener('click', (e) => {
      e.preventDefault();
      location.hash = new URLSearchParams({ ifid: state.ifid }).toString();
    });
    window.addEventListener('hashchange', () => {
      readHash();
      $('ifid').value = state.ifid;
      refresh();
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) refresh();
    });
    try {
      state.ifaces = await api('ntopng/interfaces');
    } catch (e) {
      if (!(e instanceof NotLoggedIn)) setStatus('Cannot list the interfaces: ' + e.message, true);
      return;
    }
    readHash();
    fillInterfaces();
    refresh();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
