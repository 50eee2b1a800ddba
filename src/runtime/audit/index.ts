// The audit: reading and following the audit log (the writer is in core).
export { auditFilter, followAudit, queryAudit } from './audit-query.js';
