// Types for the parts of citation-js the export tests use (the package ships none).
declare module '@citation-js/core' {
  export const plugins: { input: { chain(data: unknown, options: { target: string }): unknown } };
}
declare module '@citation-js/plugin-ris';
