using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Promethean.Stores.Sqlite.Vectors;

/// <summary>
/// The few entry points of USearch's C library (<c>libusearch_c</c>, shipped by the Cloud.Unum.USearch package)
/// that <see cref="HnswVectorIndex"/> needs, called with spans instead of through the package's managed wrapper.
/// The wrapper reserves capacity for one more vector on every add (the native side then re-allocates its node
/// tables each time: quadratic over a build), allocates result arrays per query and exposes neither thread
/// counts nor expansion changes.
/// </summary>
internal static partial class USearchNative
{
    private const string Library = "libusearch_c";

    public const uint MetricIp = 2;
    public const uint ScalarF32 = 1;
    public const uint ScalarF16 = 3;

    /// <summary><c>usearch_init_options_t</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InitOptions
    {
        public uint MetricKind;
        public nint Metric;
        public uint Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    [LibraryImport(Library)]
    public static partial Handle usearch_init(ref InitOptions options, out nint error);

    [LibraryImport(Library)]
    private static partial void usearch_free(nint index, out nint error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void usearch_save(Handle index, string path, out nint error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void usearch_load(Handle index, string path, out nint error);

    [LibraryImport(Library)]
    public static partial nuint usearch_size(Handle index, out nint error);

    [LibraryImport(Library)]
    public static partial nuint usearch_capacity(Handle index, out nint error);

    [LibraryImport(Library)]
    public static partial void usearch_reserve(Handle index, nuint capacity, out nint error);

    [LibraryImport(Library)]
    public static partial void usearch_change_expansion_search(Handle index, nuint expansion, out nint error);

    [LibraryImport(Library)]
    public static partial nuint usearch_expansion_search(Handle index, out nint error);

    [LibraryImport(Library)]
    public static partial void usearch_change_threads_add(Handle index, nuint threads, out nint error);

    [LibraryImport(Library)]
    public static partial void usearch_change_threads_search(Handle index, nuint threads, out nint error);

    [LibraryImport(Library)]
    public static partial void usearch_add(Handle index, ulong key, ref readonly float vector, uint vectorKind, out nint error);

    [LibraryImport(Library)]
    public static partial nuint usearch_remove(Handle index, ulong key, out nint error);

    [LibraryImport(Library)]
    public static partial nuint usearch_search(Handle index, ref readonly float query, uint queryKind, nuint count,
        ref ulong keys, ref float distances, out nint error);

    /// <summary>Throws when a call set its error message (static strings owned by the library).</summary>
    public static void Check(nint error)
    {
        if (error != 0)
            throw new InvalidOperationException("USearch: " + Marshal.PtrToStringUTF8(error));
    }

    /// <summary>Owns a native index; frees it once.</summary>
    public sealed class Handle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public Handle()
            : base(ownsHandle: true)
        {
        }

        protected override bool ReleaseHandle()
        {
            usearch_free(handle, out var error);
            return error == 0;
        }
    }
}
