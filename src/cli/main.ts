/**
 * `npx unmogrowp <command> …`: the operator CLI. Each command lives in its own module and exports
 * `run(args): Promise<number>` (the exit code).
 */

interface Command {
  readonly summary: string;
  readonly load: () => Promise<{ run: (args: readonly string[]) => Promise<number> }>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  tenants: { summary: 'onboard tenants and apps (tenants add …)', load: () => import('./tenants.js') },
  replay: {
    summary: 'which installs would change source under new settings, and why (replay --app … --settings …)',
    load: () => import('./replay.js'),
  },
  costs: {
    summary: 'load ad spend from a CSV (costs load <file.csv> --app …)',
    load: () => import('./costs.js'),
  },
  dlq: { summary: 'list and replay dead letters (dlq list|replay …)', load: () => import('./dlq.js') },
  home: {
    summary: "show or move a tenant's home region (home show|move …)",
    load: () => import('./home.js'),
  },
  tokens: {
    summary: 'bearer tokens for local mode (tokens mint --tenant <t> --role <r> [--ttl 1h])',
    load: () => import('./tokens.js'),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['usage: npx unmogrowp <command> [options]', '', 'commands:', ...lines, ''].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`unmogrowp: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`unmogrowp: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
