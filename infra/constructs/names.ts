/** `users-create` → `UsersCreate`: construct ids from manifest and table names, stable while the names are. */
export const pascalCase = (name: string): string =>
  name.replace(/(^|[-_.{}/])+([a-zA-Z0-9])/g, (_match, _separator, letter: string) => letter.toUpperCase());
