// Stylesheets are imported for their side effect (esbuild bundles them); they export nothing to type.
declare module '*.css';
