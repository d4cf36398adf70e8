export interface StoredFile<W> {
  seq: number;
  /** The file as the provider's API shows it. */
  object: W;
  path: string;
  /** Non-empty lines in the file. */
  lines: number;
}

/** Files a provider holds (uploads and results), by id; the provider renders, filters and pages them. */
export class FileRegistry<W extends { id: string }> {
  private readonly files = new Map<string, StoredFile<W>>();
  private seq = 0;

  add(object: W, path: string, lines: number): StoredFile<W> {
    const stored = { seq: this.seq++, object, path, lines };
    this.files.set(object.id, stored);
    return stored;
  }

  get(id: string): StoredFile<W> | undefined {
    return this.files.get(id);
  }

  delete(id: string): StoredFile<W> | undefined {
    const stored = this.files.get(id);
    this.files.delete(id);
    return stored;
  }

  /** The files `matches` keeps, oldest first (`asc`) or newest first (`desc`). */
  select(matches: (object: W) => boolean, order: 'asc' | 'desc'): W[] {
    return [...this.files.values()]
      .filter((file) => matches(file.object))
      .sort((a, b) => (order === 'asc' ? a.seq - b.seq : b.seq - a.seq))
      .map((file) => file.object);
  }

  /** Forgets every file and returns their paths. */
  clear(): string[] {
    const paths = [...this.files.values()].map((file) => file.path);
    this.files.clear();
    return paths;
  }
}
