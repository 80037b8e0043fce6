// Schema history. Never edit a shipped step: append a new one. PRAGMA user_version = steps applied.
export const MIGRATIONS: string[] = [
  // 1: runs and their curves
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at TEXT NOT NULL,
     finished_at TEXT,
     hyperparams TEXT NOT NULL,
     preset TEXT NOT NULL,
     dataset TEXT NOT NULL,
     backend TEXT,
     layers TEXT,
     param_count INTEGER,
     class_names TEXT,
     train_seconds REAL,
     epochs_done INTEGER NOT NULL DEFAULT 0,
     best_test_accuracy REAL,
     final_test_accuracy REAL,
     final_test_loss REAL,
     notes TEXT NOT NULL DEFAULT '',
     error TEXT
   );
   CREATE TABLE batch_metrics (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     step INTEGER NOT NULL,
     epoch INTEGER NOT NULL,
     loss REAL,
     accuracy REAL,
     examples_per_sec REAL,
     elapsed REAL,
     PRIMARY KEY (run_id, step)
   ) WITHOUT ROWID;
   CREATE TABLE epoch_metrics (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     epoch INTEGER NOT NULL,
     train_loss REAL,
     train_accuracy REAL,
     test_loss REAL,
     test_accuracy REAL,
     seconds REAL,
     num_tensors INTEGER,
     confusion TEXT NOT NULL,
     PRIMARY KEY (run_id, epoch)
   ) WITHOUT ROWID;`,
  // 2: what a run got wrong, its weights, and which process owns a live run
  `CREATE TABLE misclassified (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     epoch INTEGER NOT NULL,
     test_index INTEGER NOT NULL,
     label INTEGER NOT NULL,
     predicted INTEGER NOT NULL,
     probs TEXT NOT NULL,
     PRIMARY KEY (run_id, epoch, test_index)
   ) WITHOUT ROWID;
   CREATE TABLE weights (
     run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
     topology TEXT NOT NULL,
     specs TEXT NOT NULL,
     data BLOB NOT NULL
   );
   ALTER TABLE runs ADD COLUMN pid INTEGER;`,
  // 3: the owner's machine and heartbeat, so a lab anywhere can tell when the process that owns a
  // live run has died (pid on the same machine, heartbeat age across machines); and the run queue
  // (status 'queued', started in id order).
  `ALTER TABLE runs ADD COLUMN host TEXT;
   ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;
   CREATE INDEX runs_by_status ON runs(status);`,
  // 4: sweeps: a grid or random search whose runs are ordinary runs that know their sweep
  `CREATE TABLE sweeps (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL,
     created_at TEXT NOT NULL,
     spec TEXT NOT NULL,
     cancelled INTEGER NOT NULL DEFAULT 0
   );
   ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;
   ALTER TABLE runs ADD COLUMN sweep_point TEXT;
   CREATE INDEX runs_by_sweep ON runs(sweep_id);`,
  // 5: the inside of the network: a few recorded steps per epoch (histograms, norms, activation
  // statistics, first-layer filters) and one embedding of the test sample per run, as JSON
  // (rows of a few KB to ~70 KB: an ordinary rowid table, not WITHOUT ROWID, which suits small rows)
  `CREATE TABLE inside_points (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     step INTEGER NOT NULL,
     epoch INTEGER NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (run_id, step)
   );
   CREATE TABLE embeddings (
     run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
     epoch INTEGER NOT NULL,
     data TEXT NOT NULL
   );
   CREATE TABLE epoch_weights (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     epoch INTEGER NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (run_id, epoch)
   );`,
  // 6: where a run's model was trained: NULL in the lab, 'pytorch' for a state_dict imported from PyTorch
  // (such a run has a test evaluation and a model, but no curves or training record)
  `ALTER TABLE runs ADD COLUMN trained_in TEXT;`,
  // 7: the course: each time a learner runs a lesson's experiment (a sweep of ordinary runs), and
  // each answer they gave, judged against those runs
  `CREATE TABLE lesson_attempts (
     id INTEGER PRIMARY KEY,
     lesson_id TEXT NOT NULL,
     sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL,
     started_at TEXT NOT NULL
   );
   CREATE INDEX lesson_attempts_by_lesson ON lesson_attempts(lesson_id);
   CREATE TABLE lesson_answers (
     id INTEGER PRIMARY KEY,
     attempt_id INTEGER NOT NULL REFERENCES lesson_attempts(id) ON DELETE CASCADE,
     answer TEXT NOT NULL,
     correct INTEGER NOT NULL,
     run_ids TEXT NOT NULL,
     answered_at TEXT NOT NULL
   );`
]
