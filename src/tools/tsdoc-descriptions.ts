/**
 * Reads the TSDoc comments of a zod schema's fields from its source file, by the dotted path the
 * reference tables use (`processing.batchSize`, `tenants[].apps[].storeUrl`, `auth.mfa`). The CDK
 * config schema documents its fields in TSDoc for the code's readers; the generated reference page
 * (`npm run docs:reference`) takes its "meaning" column from the same comments, so a field is explained
 * once, beside its definition.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

/** The z.object literals and the schema constants an initializer is built from, and whether it is an array. */
interface Parts {
  readonly objects: ts.ObjectLiteralExpression[];
  readonly refs: string[];
  readonly isArray: boolean;
}

/** The text of the JSDoc comments attached to a node, on one line. */
function docOf(node: ts.Node | undefined): string {
  if (node === undefined) return '';
  return ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Field descriptions of the schema constant `rootSchema` in `file`, by dotted path. A field without a
 * comment of its own takes the comment of the schema constant it is built from.
 */
export function tsdocDescriptions(file: string, rootSchema: string): Map<string, string> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const declarations = new Map<string, ts.VariableDeclaration>();
  for (const statement of source.statements)
    if (ts.isVariableStatement(statement))
      for (const declaration of statement.declarationList.declarations)
        if (ts.isIdentifier(declaration.name) && declaration.initializer)
          declarations.set(declaration.name.text, declaration);

  const partsOf = (expression: ts.Node): Parts => {
    const parts: Parts = { objects: [], refs: [], isArray: false };
    const visit = (node: ts.Node): void => {
      if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return; // refinements, preprocessors
      if (ts.isCallExpression(node)) {
        const callee = node.expression.getText(source).replace(/\s+/g, '');
        const [first] = node.arguments;
        if (callee === 'z.object' && first && ts.isObjectLiteralExpression(first)) {
          parts.objects.push(first);
          return;
        }
        if (callee === 'z.array') (parts as { isArray: boolean }).isArray = true;
      }
      if (ts.isIdentifier(node) && declarations.has(node.text) && node.text.endsWith('Schema'))
        parts.refs.push(node.text);
      ts.forEachChild(node, visit);
    };
    visit(expression);
    return parts;
  };

  const out = new Map<string, string>();
  const walkObject = (literal: ts.ObjectLiteralExpression, prefix: string): void => {
    for (const property of literal.properties) {
      if (!ts.isPropertyAssignment(property)) continue;
      const path = `${prefix}${prefix ? '.' : ''}${property.name.getText(source)}`;
      const parts = partsOf(property.initializer);
      const doc =
        docOf(property) || parts.refs.map((ref) => docOf(declarations.get(ref))).find(Boolean) || '';
      if (doc && !out.has(path)) out.set(path, doc);
      const child = parts.isArray ? `${path}[]` : path;
      for (const object of parts.objects) walkObject(object, child);
      for (const ref of parts.refs) walkSchema(ref, child);
    }
  };
  const walkSchema = (name: string, prefix: string): void => {
    const initializer = declarations.get(name)?.initializer;
    if (initializer === undefined) throw new Error(`${file}: no schema constant ${name}`);
    const parts = partsOf(initializer);
    for (const object of parts.objects) walkObject(object, prefix);
    for (const ref of parts.refs) if (ref !== name) walkSchema(ref, prefix);
  };
  walkSchema(rootSchema, '');
  return out;
}
