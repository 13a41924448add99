using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Promethean.Stores.Sqlite;

/// <summary>
/// A statement prepared once on the store's connection and run through SQLite's C API: parameters bound by position,
/// stepped, reset. Ingest writes tens of thousands of rows a second; a <see cref="SqliteCommand"/> looks up each
/// parameter by name and allocates on every run, and a batch of rows unpacked from JSON in SQL costs a JSON parse
/// per row. It runs in whatever transaction the connection is in.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
    }

    /// <summary>Binds text (null binds NULL); the text is copied, so the caller's buffer may be reused at once.</summary>
    public RawStatement Text(int position, string? value)
    {
        Check(value is null ? raw.sqlite3_bind_null(_stmt, position) : raw.sqlite3_bind_text16(_stmt, position, value.AsSpan()));
        return this;
    }

    /// <summary>Binds UTF-8 text, copied.</summary>
    public RawStatement Utf8(int position, ReadOnlySpan<byte> value)
    {
        Check(raw.sqlite3_bind_text(_stmt, position, value));
        return this;
    }

    /// <summary>Binds a blob, copied.</summary>
    public RawStatement Blob(int position, ReadOnlySpan<byte> value)
    {
        Check(raw.sqlite3_bind_blob(_stmt, position, value));
        return this;
    }

    public RawStatement Integer(int position, long value)
    {
        Check(raw.sqlite3_bind_int64(_stmt, position, value));
        return this;
    }

    /// <summary>Runs the statement to its end and resets it; returns the rows it changed.</summary>
    public int Run()
    {
        var rc = raw.sqlite3_step(_stmt);
        if (rc is not raw.SQLITE_DONE and not raw.SQLITE_ROW)
        {
            var error = Error(rc);
            raw.sqlite3_reset(_stmt);
            throw error;
        }
        raw.sqlite3_reset(_stmt);
        return raw.sqlite3_changes(_db);
    }

    /// <summary>The rowid of the last row this connection inserted.</summary>
    public long LastRowId => raw.sqlite3_last_insert_rowid(_db);

    public void Dispose() => _stmt.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
            throw Error(rc);
    }

    private SqliteException Error(int rc) =>
        new($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(_db));
}
