/** `npx unmogrowp tenants …` (being built). */
export async function run(_args: readonly string[]): Promise<number> {
  process.stderr.write('unmogrowp tenants: not built yet\n');
  return 1;
}
