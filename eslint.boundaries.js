// The layers, kept by lint (npm test runs it): shared/ imports nothing of ours above it;
// daemons/ reach the hub over RPC only, so import shared/ alone; hub/ knows no service, daemon
// or command line (the composition roots — services/build-hub.ts, bin/, testing/ — add them).
// Static imports are checked by no-restricted-imports, dynamic import() by no-restricted-syntax.
const message = (f) => `this layer must not import ${f}/ (see eslint.boundaries.js)`;

function layer(files, ...forbidden) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((f) => ({
            group: [`**/${f}`, `**/${f}/**`],
            message: message(f),
          })),
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...forbidden.map((f) => ({
          selector: `ImportExpression[source.value=/(^|\\/)${f}(\\/|$)/]`,
          message: message(f),
        })),
      ],
    },
  };
}

export const boundaries = [
  layer(['shared/**/*.ts'], 'hub', 'services', 'daemons', 'bin', 'testing'),
  layer(['daemons/**/*.ts'], 'hub', 'services', 'bin', 'testing'),
  layer(['hub/**/*.ts'], 'services', 'daemons', 'bin', 'testing'),
  layer(['services/**/*.ts'], 'daemons', 'bin', 'testing'),
];
