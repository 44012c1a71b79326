/**
 * The plots panel: owns the run store and the view state, routes host messages, and redraws at most
 * once per animation frame however fast events arrive (a live run can send hundreds per second).
 */
import type { ComparisonsMessage, HostToWebviewMessage, PlotsViewState, WebviewToHostMessage, XAxisKind } from '../shared/webviewProtocol';
import { LAYOUT_KEYS, WEBVIEW_PROTOCOL_VERSION } from '../shared/webviewProtocol';
import { allCharts, type ChartSpec } from './model/chartData';
import { SECTIONS, type SectionId } from './model/metricFamilies';
import { RunStore } from './model/runStore';
import { buildRunsTable } from './model/runsTable';
import type { SamplingChartData } from './model/samplingData';
import { ChartView, type ChartViewContext } from './view/chartView';
import { SamplingView } from './view/samplingView';
import { sweepData, type SweepData } from './model/sweepData';
import { SweepView } from './view/sweepView';
import { renderRunsTable } from './view/tableView';
import { readTheme, type Theme } from './view/theme';
import { buildToolbar, type Toolbar } from './view/toolbar';

export interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  getState(): unknown;
  setState(state: PlotsViewState): void;
}

export interface ChartSnapshot {
  id: string;
  title: string;
  /** uPlot has drawn it (a chart out of view is drawn when it scrolls in). */
  drawn: boolean;
  x: number[];
  series: { label: string; runId: string; kind: string; show: boolean; lineWidth: number; y: (number | null)[] }[];
}

/** Charts this far outside the viewport are drawn too, so a scroll shows them drawn, not drawing. */
const IN_VIEW_MARGIN_PX = 200;

/** What tests and benchmarks read through `window.__plots`. */
export interface PlotsDebugHook {
  charts(): ChartSnapshot[];
  /** The table as shown; `baseline` is the popularity baseline's row (null when there is none). */
  table(): { headers: string[]; rows: string[][]; selected: string[]; baseline: string[] | null };
  /** The sections in page order: their charts (ids) and whether they are collapsed; empty sections are left out. */
  sections(): { id: string; collapsed: boolean; charts: string[] }[];
  sampling(): SamplingChartData | null;
  /** The sweep view's data, when the shown runs belong to a sweep. */
  sweep(): SweepData | null;
  state(): PlotsViewState;
  renderCount(): number;
  /** How long recent renders took (ms), oldest first. */
  renderDurations(): number[];
  /** Resolves after the next completed render. */
  nextRender(): Promise<void>;
}

export class PlotsApp {
  private readonly store = new RunStore();
  private readonly charts = new Map<string, ChartView>();
  private readonly chartsHost: HTMLElement;
  private readonly sections = new Map<SectionId, { root: HTMLElement; body: HTMLElement }>();
  private readonly tableHost: HTMLElement;
  private readonly columnsToggle: HTMLButtonElement;
  private readonly emptyNotice: HTMLElement;
  private readonly sampling: SamplingView;
  private readonly sweepView = new SweepView();
  private readonly toolbar: Toolbar;
  private theme: Theme;
  private framePending = false;
  private nextRenderAt = 0;
  /** Durations of recent renders, for the benchmark. */
  private readonly renderMs: number[] = [];
  /** Tells each chart when it comes near the viewport or leaves it (charts out of view are not drawn). */
  private readonly inViewObserver = new IntersectionObserver(
    // A card's data-chart-id is its chart's key in `charts`.
    (entries) => entries.forEach((entry) => this.charts.get((entry.target as HTMLElement).dataset.chartId ?? '')?.setInView(entry.isIntersecting)),
    { rootMargin: `${IN_VIEW_MARGIN_PX}px 0px` },
  );
  private renders = 0;
  private renderWaiters: (() => void)[] = [];
  private tableKey = '';
  /** The host's latest comparisons with the reference run, and how often they arrived (the table rebuilds on each). */
  private comparisons: ComparisonsMessage | null = null;
  private comparisonsRevision = 0;
  private tableBuiltAt = -Infinity;
  private tableTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly api: VsCodeApi,
    private state: PlotsViewState,
    /** The state was restored (a reload): it keeps its own layout rather than the workspace's. */
    private readonly restoredState = false,
  ) {
    this.theme = readTheme();
    this.toolbar = buildToolbar(state, {
      onSmoothing: (value) => this.changeState({ smoothing: value }),
      onLogScale: (value) => this.changeState({ logScale: value }),
      onXAxis: (value: XAxisKind) => this.changeState({ xAxis: value }),
      onResetZoom: () => this.charts.forEach((c) => c.resetZoom()),
      onClearSelection: () => this.changeState({ selectedRunIds: [], hiddenRunIds: [] }),
    });
    this.emptyNotice = document.createElement('p');
    this.emptyNotice.className = 'empty';
    this.emptyNotice.textContent = 'No run to show yet. Open plots from a run in the Two-Tower Lab experiments view, or select several runs and compare them.';
    this.chartsHost = document.createElement('div');
    this.chartsHost.className = 'sections';
    for (const section of SECTIONS) this.sections.set(section.id, this.buildSection(section.id, section.title));
    this.sampling = new SamplingView(
      (format) => this.exportSampling(format),
      () => this.scheduleRender(),
    );
    this.sections.get('sampling')!.body.append(this.sampling.root);
    // The runs table comes first, as in W&B's workspace: which run is which, and how good, before the curves.
    const tableHeader = document.createElement('div');
    tableHeader.className = 'table-header';
    const tableTitle = document.createElement('h2');
    tableTitle.textContent = 'Runs';
    this.columnsToggle = document.createElement('button');
    this.columnsToggle.id = 'more-columns';
    this.columnsToggle.addEventListener('click', () => this.changeState({ allColumns: !this.state.allColumns }));
    tableHeader.append(tableTitle, this.columnsToggle);
    this.tableHost = document.createElement('div');
    this.tableHost.className = 'table-host';
    root.append(this.toolbar.element, this.emptyNotice, tableHeader, this.tableHost, this.sweepView.root, this.chartsHost);
    new ResizeObserver(() => this.resize()).observe(this.chartsHost);
    // VS Code swaps the theme's CSS variables on the body when the user changes theme.
    new MutationObserver(() => {
      this.theme = readTheme();
      this.scheduleRender();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.scheduleRender();
  }

  /** A collapsible section: its header toggles it, and the choice is kept in the view state. */
  private buildSection(id: SectionId, title: string): { root: HTMLElement; body: HTMLElement } {
    const root = document.createElement('section');
    root.className = 'plot-section';
    root.dataset.section = id;
    const header = document.createElement('button');
    header.className = 'section-toggle';
    header.dataset.section = id;
    header.addEventListener('click', () => {
      const collapsed = new Set(this.state.collapsedSections);
      if (collapsed.has(id)) collapsed.delete(id);
      else collapsed.add(id);
      this.changeState({ collapsedSections: [...collapsed] });
    });
    const label = document.createElement('span');
    label.className = 'section-title';
    label.textContent = title;
    header.append(label);
    const body = document.createElement('div');
    body.className = 'charts';
    root.append(header, body);
    this.chartsHost.append(root);
    return { root, body };
  }

  handle(message: HostToWebviewMessage): void {
    switch (message.type) {
      case 'showRuns': {
        if (message.replace) this.store.retain(new Set(message.runs.map((r) => r.ref.runId)));
        for (const run of message.runs) this.store.setRun(run.ref, run.data);
        this.changeState({ runs: this.store.list().map((r) => r.ref) });
        break;
      }
      case 'appendRunData':
        for (const run of message.runs) this.store.append(run.runId, run.data);
        this.scheduleRender();
        break;
      case 'removeRun':
        this.store.remove(message.runId);
        this.changeState({ runs: this.store.list().map((r) => r.ref), selectedRunIds: this.state.selectedRunIds.filter((id) => id !== message.runId) });
        break;
      case 'comparisons':
        this.comparisons = message;
        this.comparisonsRevision++;
        this.scheduleRender();
        break;
      case 'restoreLayout':
        if (!this.restoredState) this.changeState(message.layout, false);
        break;
      case 'following':
        // Saved only (nothing to draw): a panel restored after a reload follows the same experiment.
        this.state = { ...this.state, followedExperiment: message.experiment };
        this.api.setState(this.state);
        break;
      case 'exportResult':
        this.toolbar.setStatus(
          message.outcome === 'saved' ? `Saved ${message.detail ?? ''}` : message.outcome === 'cancelled' ? 'Export cancelled.' : `Export failed: ${message.detail ?? 'unknown error'}`,
          message.outcome === 'failed',
        );
        break;
    }
  }

  /** `reportLayout`: tell the host when the layout changed, so the workspace's next panel starts with it. */
  private changeState(patch: Partial<PlotsViewState>, reportLayout = true): void {
    this.state = { ...this.state, ...patch, protocolVersion: WEBVIEW_PROTOCOL_VERSION };
    this.api.setState(this.state);
    if (reportLayout && LAYOUT_KEYS.some((key) => key in patch)) {
      this.api.postMessage({ type: 'saveLayout', layout: { collapsedSections: this.state.collapsedSections, chosenK: this.state.chosenK, allColumns: this.state.allColumns } });
    }
    this.scheduleRender();
  }

  /**
   * At most one render per frame, and after a render that took T ms, none for another T ms: under a
   * flood of events at least half of the main thread stays free for scrolling, hover and clicks.
   */
  private scheduleRender(): void {
    if (this.framePending) return;
    this.framePending = true;
    const wait = Math.max(0, this.nextRenderAt - performance.now());
    const frame = (): void => {
      requestAnimationFrame(() => {
        this.framePending = false;
        const start = performance.now();
        this.render();
        const end = performance.now();
        this.nextRenderAt = end + (end - start);
        this.renderMs.push(end - start);
        if (this.renderMs.length > 1000) this.renderMs.splice(0, 500);
      });
    };
    if (wait > 0) setTimeout(frame, wait);
    else frame();
  }

  private context(): ChartViewContext {
    const hidden = new Set(this.state.hiddenRunIds);
    const selected = new Set(this.state.selectedRunIds);
    return {
      theme: this.theme,
      xAxis: this.state.xAxis,
      logScale: this.state.logScale,
      syncKey: 'two-tower-lab-plots',
      isHidden: (runId) => hidden.has(runId),
      isDimmed: (runId) => selected.size > 0 && !selected.has(runId),
      onToggleRun: (runId, show) => this.toggleRun(runId, show),
      onExport: (view, format) => this.exportChart(view, format),
      onChooseK: (family, k) => this.changeState({ chosenK: { ...this.state.chosenK, [family]: k } }),
    };
  }

  private render(): void {
    const runs = this.store.list();
    this.emptyNotice.hidden = runs.length > 0;
    const ctx = this.context();
    const specs = runs.length ? allCharts(runs, { xAxis: this.state.xAxis, smoothing: this.state.smoothing, logScale: this.state.logScale, chosenK: this.state.chosenK }) : [];
    const wanted = new Set(specs.map((s) => s.id));
    for (const [id, view] of this.charts) {
      if (!wanted.has(id)) {
        this.inViewObserver.unobserve(view.root);
        view.destroy();
        this.charts.delete(id);
      }
    }
    const collapsed = new Set(this.state.collapsedSections);
    const withCharts = new Set(specs.map((s) => s.section));
    // Shown (or hidden) before the charts update, so a chart built now gets its section's real width.
    for (const [id, section] of this.sections) {
      const isCollapsed = collapsed.has(id);
      const hasContent = id === 'sampling' ? runs.some((r) => r.sampling.length > 0) : withCharts.has(id);
      section.root.hidden = !hasContent;
      section.root.classList.toggle('collapsed', isCollapsed);
      section.body.hidden = isCollapsed;
      section.root.querySelector('.section-toggle')!.setAttribute('aria-expanded', String(!isCollapsed));
    }
    // What sits above or among the charts is laid out first, so the charts' positions below are where they will be.
    this.columnsToggle.textContent = this.state.allColumns ? 'Fewer columns' : 'More columns';
    this.columnsToggle.title = this.state.allColumns ? 'Show only the differing parameters and the headline metrics' : 'Show every parameter and every metric, final and best';
    this.renderTable();
    this.sweepView.update(sweepData(runs), this.theme);
    if (!collapsed.has('sampling')) this.sampling.update(runs, this.theme);
    const placed = new Map<SectionId, number>();
    const shown: { view: ChartView; spec: ChartSpec }[] = [];
    for (const spec of specs) {
      const section = this.sections.get(spec.section)!;
      let view = this.charts.get(spec.id);
      if (!view) {
        view = new ChartView(spec, ctx);
        this.charts.set(spec.id, view);
        this.inViewObserver.observe(view.root);
      }
      // Keep the DOM order in a section equal to the spec order (losses by kind, metric families).
      const order = placed.get(spec.section) ?? 0;
      placed.set(spec.section, order + 1);
      if (section.body.children[order] !== view.root) section.body.insertBefore(view.root, section.body.children[order] ?? null);
      // A collapsed section's charts are not drawn: nothing to see, and a live run then costs nothing there.
      if (collapsed.has(spec.section)) view.spec = spec;
      else shown.push({ view, spec });
    }
    // Where every chart is, read in one layout before any of them draws (a read after each draw would
    // force a layout per chart); the ones out of view draw when they scroll in.
    const placements = shown.map(({ view }) => view.measure(window.innerHeight, IN_VIEW_MARGIN_PX));
    // setData redraws with the new context, so a selection change needs no extra redraw.
    shown.forEach(({ view, spec }, i) => view.update(spec, ctx, placements[i]));
    this.renders++;
    const waiters = this.renderWaiters;
    this.renderWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  /**
   * Rebuilds the table when the user sorted or selected, and for new data at most once a second:
   * rebuilding it re-lays out the page, and a live run changes only its last cells.
   */
  private renderTable(): void {
    const userKey = JSON.stringify([this.state.sort, this.state.selectedRunIds, this.store.list().length, this.state.allColumns, this.state.chosenK, this.comparisonsRevision]);
    const key = `${userKey}#${this.store.revision}`;
    if (key === this.tableKey) return;
    const sinceLast = performance.now() - this.tableBuiltAt;
    if (userKey === this.tableKey.split('#')[0] && sinceLast < 1000) {
      if (!this.tableTimer) {
        this.tableTimer = setTimeout(() => {
          this.tableTimer = undefined;
          this.scheduleRender();
        }, 1000 - sinceLast);
      }
      return;
    }
    this.tableKey = key;
    this.tableBuiltAt = performance.now();
    const selected = new Set(this.state.selectedRunIds);
    renderRunsTable(this.tableHost, buildRunsTable(this.store.list(), { allColumns: this.state.allColumns, chosenK: this.state.chosenK, comparisons: this.comparisons }), {
      sort: this.state.sort,
      selected,
      onSort: (column) => {
        const descending = this.state.sort?.column === column ? !this.state.sort.descending : true;
        this.changeState({ sort: { column, descending } });
      },
      onToggleRow: (runId, additive) => {
        const next = new Set(additive ? selected : selected.has(runId) ? selected : []);
        if (selected.has(runId)) next.delete(runId);
        else next.add(runId);
        const runIds = [...next];
        this.changeState({ selectedRunIds: runIds });
        this.api.postMessage({ type: 'selectRuns', runIds });
      },
      onChooseReference: (runId) => {
        this.changeState({ referenceRunId: runId });
        this.api.postMessage({ type: 'chooseReference', runId });
      },
    });
  }

  private toggleRun(runId: string, show: boolean): void {
    const hidden = new Set(this.state.hiddenRunIds);
    if (show) hidden.delete(runId);
    else hidden.add(runId);
    this.changeState({ hiddenRunIds: [...hidden] });
    const ctx = this.context();
    this.charts.forEach((view) => {
      view.update(view.spec, ctx);
    });
  }

  private exportChart(view: ChartView, format: 'png' | 'csv'): void {
    const chart = view.id.replace(/[^\w@.-]+/g, '-');
    if (format === 'png') this.api.postMessage({ type: 'exportPng', chart, dataUrl: view.toPngDataUrl() });
    else this.api.postMessage({ type: 'exportCsv', chart, csv: view.toCsv() });
  }

  private exportSampling(format: 'png' | 'csv'): void {
    const chart = `sampling-${this.sampling.data?.runId ?? 'run'}`;
    if (format === 'png') this.api.postMessage({ type: 'exportPng', chart, dataUrl: this.sampling.toPngDataUrl(this.theme) });
    else this.api.postMessage({ type: 'exportCsv', chart, csv: this.sampling.toCsv() });
  }

  private resize(): void {
    for (const view of this.charts.values()) view.resize(view.root.clientWidth - 16);
    this.sampling.resize(this.sampling.root.clientWidth - 16);
  }

  debugHook(): PlotsDebugHook {
    return {
      charts: () => [...this.charts.values()].map((c) => c.snapshot()),
      table: () => {
        const table = this.tableHost.querySelector('table');
        const headers = table ? [...table.tHead!.rows[0].cells].map((c) => c.dataset.column ?? '') : [];
        const rows = table ? [...table.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent ?? '')) : [];
        const foot = table?.tFoot?.rows[0];
        return {
          headers,
          rows,
          selected: [...this.tableHost.querySelectorAll<HTMLElement>('tr.selected')].map((r) => r.dataset.runId ?? ''),
          baseline: foot ? [...foot.cells].map((c) => c.textContent ?? '') : null,
        };
      },
      sections: () =>
        [...this.sections]
          .filter(([, s]) => !s.root.hidden)
          .map(([id, s]) => ({ id, collapsed: s.body.hidden, charts: [...s.body.querySelectorAll<HTMLElement>('[data-chart-id]')].map((c) => c.dataset.chartId ?? '') })),
      sampling: () => (this.sampling.root.hidden ? null : this.sampling.data),
      sweep: () => this.sweepView.data ?? null,
      state: () => this.state,
      renderCount: () => this.renders,
      renderDurations: () => [...this.renderMs],
      nextRender: () => new Promise<void>((resolve) => this.renderWaiters.push(resolve)),
    };
  }
}
