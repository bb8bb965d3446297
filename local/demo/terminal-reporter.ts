/**
 * How the demo talks to a newcomer: numbered steps with a line on what each does, the request as a curl
 * command to repeat by hand (`$` prompt), the result (`→`), and the values later commands use as `export`
 * lines. Colour only on a terminal, and never with NO_COLOR set; the end-to-end test records the same text
 * uncoloured.
 */
import QRCode from 'qrcode';
import { STEP_COUNT, type DemoReporter, type DemoStep } from './demo-world.ts';
import { singleQuoted } from './demo-http.ts';

const INDENT = '   ';
const CODES = { bold: [1, 22], dim: [2, 22], cyan: [36, 39], green: [32, 39], yellow: [33, 39], red: [31, 39] } as const;
export type Style = keyof typeof CODES;

export class TerminalReporter implements DemoReporter {
  constructor(
    private readonly write: (text: string) => void,
    private readonly color: boolean,
  ) {}

  /** For the process's stdout: coloured when it is a terminal and NO_COLOR is unset. */
  static forStdout(): TerminalReporter {
    const write = (text: string) => void (process.stdout.writable && process.stdout.write(text));
    return new TerminalReporter(write, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
  }

  paint(style: Style, text: string): string {
    if (!this.color) return text;
    const [open, close] = CODES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  line(text = ''): void {
    this.write(`${text}\n`);
  }

  step(step: DemoStep, explanation: string): void {
    this.line();
    this.line(this.paint('bold', `[${step.number}/${STEP_COUNT}] ${step.title}`));
    this.line(indent(wrap(explanation, 100)));
  }

  request(curl: string): void {
    this.line(indent(this.paint('cyan', `$ ${curl}`)));
  }

  result(text: string): void {
    this.line(indent(`${this.paint('green', '→')} ${text}`));
  }

  block(text: string): void {
    this.line(indent(text.trimEnd(), `${INDENT}  `));
  }

  /** Coloured half-blocks on a terminal; plain block characters elsewhere (logs, the test's transcript). */
  async qrCode(payload: string): Promise<void> {
    const drawn = await QRCode.toString(payload, { type: this.color ? 'terminal' : 'utf8', small: true });
    this.line(indent(drawn.trimEnd(), `${INDENT}  `));
  }

  exports(variables: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(variables)) this.line(indent(this.paint('dim', `export ${name}=${shellValue(value)}`)));
  }

  note(text: string): void {
    this.line(indent(this.paint('dim', text)));
  }

  warn(text: string): void {
    this.line(this.paint('yellow', text));
  }

  error(text: string): void {
    this.line(this.paint('red', text));
  }
}

function indent(text: string, prefix = INDENT): string {
  return text
    .split('\n')
    .map((line) => (line ? `${prefix}${line}` : line))
    .join('\n');
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + word.length + 1 > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(current);
  return lines.join('\n');
}

function shellValue(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : singleQuoted(value);
}
