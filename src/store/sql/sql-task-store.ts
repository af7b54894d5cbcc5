/** Tasks in SQL both backends read alike (`?` placeholders), on the backend's connection; input and result as JSON text. */
import type { TaskStore } from '../../catalog/ports.js';
import type { Task, TaskStatus } from '../../catalog/task.js';
import { oneRow, type SqlRunner } from './sql-runner.js';

interface TaskRow extends Omit<Task, 'input' | 'result' | 'status'> {
  status: string;
  input: string;
  result: string | null;
}

const COLUMNS = ['type', 'status', 'owner', 'image_id', 'user_id', 'request_id', 'input', 'result', 'message', 'expires_at', 'created_at', 'updated_at'] as const;

const toTask = (row: TaskRow): Task => ({
  ...row,
  status: row.status as TaskStatus,
  input: JSON.parse(row.input) as Task['input'],
  result: row.result === null ? null : (JSON.parse(row.result) as Task['result']),
});

/** A column's value as its row holds it. */
function cell(task: Partial<Task>, column: (typeof COLUMNS)[number]): unknown {
  if (column === 'input') return JSON.stringify(task.input);
  if (column === 'result') return task.result === null ? null : JSON.stringify(task.result);
  return task[column];
}

const SELECT = `SELECT id, ${COLUMNS.join(', ')} FROM tasks`;
const OLDEST_FIRST = 'ORDER BY created_at, id';

export class SqlTaskStore implements TaskStore {
  constructor(private readonly db: SqlRunner) {}

  async insertTask(task: Task): Promise<void> {
    await this.db.run(`INSERT INTO tasks (id, ${COLUMNS.join(', ')}) VALUES (?${', ?'.repeat(COLUMNS.length)})`, [
      task.id,
      ...COLUMNS.map((column) => cell(task, column)),
    ]);
  }

  async getTask(id: string): Promise<Task | null> {
    return oneRow(this.db, `${SELECT} WHERE id = ?`, toTask, id);
  }

  async updateTask(id: string, changes: Partial<Omit<Task, 'id'>>, ifStatus: TaskStatus): Promise<boolean> {
    const columns = COLUMNS.filter((column) => column in changes);
    const sql = `UPDATE tasks SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE id = ? AND status = ?`;
    return (await this.db.run(sql, [...columns.map((column) => cell(changes, column)), id, ifStatus])) > 0;
  }

  async imageTasks(imageId: string, at: string): Promise<Task[]> {
    const rows = await this.db.all<TaskRow>(`${SELECT} WHERE image_id = ? AND (expires_at IS NULL OR expires_at >= ?) ${OLDEST_FIRST}`, [imageId, at]);
    return rows.map(toTask);
  }

  async unfinishedTasks(): Promise<Task[]> {
    return (await this.db.all<TaskRow>(`${SELECT} WHERE status IN ('pending', 'processing') ${OLDEST_FIRST}`)).map(toTask);
  }

  async purgeExpiredTasks(at: string): Promise<number> {
    return this.db.run('DELETE FROM tasks WHERE expires_at < ?', [at]);
  }
}
