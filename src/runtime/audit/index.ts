// The audit: reading and following the audit log (the writer is in core).
export { auditFilter, type DamagedLine, followAudit, queryAudit } from './audit-query.js';
