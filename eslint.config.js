import js from '@eslint/js';
import jest from 'eslint-plugin-jest';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
    },
  },
  {
    // The core stays free of Lambda, middy and CDK: only its adapters may speak to AWS.
    files: ['shared/**/*.ts'],
    ignores: ['shared/adapters/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@aws-sdk/*',
                '@middy/*',
                'aws-cdk-lib',
                'aws-cdk-lib/*',
                'constructs',
                '**/functions/**',
                '**/infra/**',
              ],
              message: 'shared/ is the pure core: keep AWS, middy and CDK out (adapters live in shared/adapters).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/infra/**', 'aws-cdk-lib', 'aws-cdk-lib/*'], message: 'Handlers never depend on infra.' },
          ],
        },
      ],
    },
  },
  {
    // The benchmarks plug their instruments into the local stack; the stack knows nothing of them.
    files: ['infra/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/bench/**'], message: 'infra/ never depends on the benchmarks.' }] },
      ],
    },
  },
  {
    // The operator console runs in the browser and speaks to the gateway over HTTP only.
    files: ['console/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '**/shared/**', '**/functions/**', '**/infra/**', '@aws-sdk/*', 'aws-cdk-lib'],
              message: 'The console is browser code: it knows the API from its contract, not from server modules.',
            },
          ],
        },
      ],
    },
  },
  { files: ['test/**/*.ts'], ...jest.configs['flat/recommended'] },
  {
    files: ['test/**/*.ts'],
    // Jest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any` by design.
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*'] }],
    },
  },
  {
    // End-to-end answers are JSON read off the wire and checked field by field.
    files: ['test/e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  { files: ['*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
