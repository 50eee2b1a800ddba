// The records: container records in SQLite (integer ids, params, metadata, labels) kept after a container is gone.
export {
  type ContainerRecord,
  OUTCOME_STATUSES,
  RecordService,
  followRecords,
  parseRecordId,
  recordFields,
  recordWhileCreating,
} from './records.js';
