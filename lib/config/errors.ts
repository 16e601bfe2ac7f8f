/** One problem found in a platform config: the dotted path of the field and what is wrong with it. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The platform config is invalid. The message lists every bad field by its path, so that
 * `npx cdk synth` says what to fix before any stack is built.
 */
export class ConfigValidationError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { source?: string; cause?: unknown }) {
    const where = options?.source ? ` (${options.source})` : '';
    super(
      `Invalid platform config${where}:\n${issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n')}`,
      { cause: options?.cause },
    );
    this.name = 'ConfigValidationError';
    this.issues = issues;
  }
}
