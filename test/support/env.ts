// Every test process: a region and dummy credentials (so no SDK client looks for real ones), quiet structured logs,
// and the table names that handlers read when they first touch a table.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.USERS_TABLE ??= 'users';
process.env.TOKENS_TABLE ??= 'tokens';
process.env.ACCOUNTS_TABLE ??= 'accounts';
