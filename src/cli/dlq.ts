/** `npx unmogrowp dlq …` (being built). */
export async function run(_args: readonly string[]): Promise<number> {
  process.stderr.write('unmogrowp dlq: not built yet\n');
  return 1;
}
