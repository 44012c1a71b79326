/** The panel's toolbar: loss smoothing, log scale, x axis, zoom reset, selection reset, and a status line. */
import type { PlotsViewState, XAxisKind } from '../../shared/webviewProtocol';

export interface ToolbarHandlers {
  onSmoothing(value: number): void;
  onLogScale(value: boolean): void;
  onXAxis(value: XAxisKind): void;
  onResetZoom(): void;
  onClearSelection(): void;
}

export interface Toolbar {
  element: HTMLElement;
  setStatus(text: string, isError: boolean): void;
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = document.createElement('label');
  label.append(document.createTextNode(text), control);
  return label;
}

export function buildToolbar(state: PlotsViewState, handlers: ToolbarHandlers): Toolbar {
  const element = document.createElement('div');
  element.className = 'toolbar';

  const smoothing = document.createElement('input');
  smoothing.type = 'range';
  smoothing.id = 'smoothing';
  smoothing.min = '0';
  smoothing.max = '0.99';
  smoothing.step = '0.01';
  smoothing.value = String(state.smoothing);
  const smoothingValue = document.createElement('output');
  smoothingValue.textContent = state.smoothing.toFixed(2);
  smoothing.addEventListener('input', () => {
    smoothingValue.textContent = Number(smoothing.value).toFixed(2);
    handlers.onSmoothing(Number(smoothing.value));
  });

  const log = document.createElement('input');
  log.type = 'checkbox';
  log.id = 'log-scale';
  log.checked = state.logScale;
  log.addEventListener('change', () => handlers.onLogScale(log.checked));

  const xAxis = document.createElement('select');
  xAxis.id = 'x-axis';
  for (const [value, text] of [
    ['step', 'step'],
    ['epoch', 'epoch'],
    ['time', 'wall time'],
  ] as const) {
    xAxis.append(new Option(text, value, false, state.xAxis === value));
  }
  xAxis.addEventListener('change', () => handlers.onXAxis(xAxis.value as XAxisKind));

  const reset = document.createElement('button');
  reset.id = 'reset-zoom';
  reset.textContent = 'Reset zoom';
  reset.title = 'Show all the data again (double-clicking a chart does the same for that chart)';
  reset.addEventListener('click', () => handlers.onResetZoom());

  const clear = document.createElement('button');
  clear.id = 'show-all-runs';
  clear.textContent = 'Show all runs';
  clear.title = 'Clear the table selection and show every hidden run again';
  clear.addEventListener('click', () => handlers.onClearSelection());

  const status = document.createElement('span');
  status.className = 'status';
  status.setAttribute('role', 'status');

  element.append(labelled('Smoothing ', smoothing), smoothingValue, labelled(' Log scale ', log), labelled(' X axis ', xAxis), reset, clear, status);
  return {
    element,
    setStatus: (text, isError) => {
      status.textContent = text;
      status.classList.toggle('error', isError);
    },
  };
}
