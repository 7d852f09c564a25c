using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Compiled by MSBuild's RoslynCodeTaskFactory (see LibTorchSharpGlibcxxPatch.targets for why it exists).
public class PatchLibTorchSharpGlibcxx : Task
{
    private const string Version = "GLIBCXX_3.4.32";
    private const uint ShtDynsym = 11, ShtGnuVersym = 0x6fffffff, ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2, VerNdxGlobal = 1;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        if (SystemLibstdcxxHas(Version))
        {
            Log.LogMessage(MessageImportance.Low, "System libstdc++ provides " + Version + "; no patch needed.");
            return true;
        }
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            try
            {
                var bytes = File.ReadAllBytes(path);
                var changed = Patch(bytes);
                if (changed)
                {
                    // Write beside first, so a failed write never leaves a half-written library in place.
                    var tmp = path + ".patching";
                    File.WriteAllBytes(tmp, bytes);
                    File.Copy(tmp, path, true);
                    File.Delete(tmp);
                    Log.LogMessage(MessageImportance.High, "Patched " + path + ": " + Version + " need made weak for this libstdc++.");
                }
            }
            catch (Exception e)
            {
                Log.LogError("Could not patch " + path + " for the system libstdc++: " + e.Message);
                return false;
            }
        }
        return true;
    }

    private static bool SystemLibstdcxxHas(string version)
    {
        string[] candidates = { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6" };
        var lib = candidates.FirstOrDefault(File.Exists);
        if (lib == null) return false;
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        var data = File.ReadAllBytes(lib);
        return IndexOf(data, needle) >= 0;
    }

    private static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    /// <summary>Returns true when the bytes were changed.</summary>
    private static bool Patch(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
            throw new InvalidDataException("not a little-endian 64-bit ELF file");
        ulong shoff = BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);

        long verneedOff = -1, versymOff = -1, dynsymOff = -1, dynsymSize = 0, dynsymEnt = 24; uint verneedLink = 0, verneedCount = 0;
        for (int i = 0; i < shnum; i++)
        {
            long sh = (long)shoff + (long)i * shentsize;
            uint type = BitConverter.ToUInt32(b, (int)sh + 4);
            long off = (long)BitConverter.ToUInt64(b, (int)sh + 0x18);
            uint link = BitConverter.ToUInt32(b, (int)sh + 0x28), info = BitConverter.ToUInt32(b, (int)sh + 0x2C);
            if (type == ShtGnuVerneed) { verneedOff = off; verneedLink = link; verneedCount = info; }
            else if (type == ShtGnuVersym) versymOff = off;
            else if (type == ShtDynsym) { dynsymOff = off; dynsymSize = (long)BitConverter.ToUInt64(b, (int)sh + 0x20); dynsymEnt = (long)BitConverter.ToUInt64(b, (int)sh + 0x38); }
        }
        if (verneedOff < 0 || versymOff < 0 || dynsymOff < 0) return false;
        long strOff = (long)BitConverter.ToUInt64(b, (int)((long)shoff + verneedLink * shentsize) + 0x18);

        bool changed = false;
        int versionIndex = -1;
        long vn = verneedOff;
        for (uint n = 0; n < verneedCount; n++)
        {
            int cnt = BitConverter.ToUInt16(b, (int)vn + 2);
            long aux = vn + BitConverter.ToUInt32(b, (int)vn + 8);
            for (int a = 0; a < cnt; a++)
            {
                string name = ReadCString(b, strOff + BitConverter.ToUInt32(b, (int)aux + 8));
                if (name == Version)
                {
                    ushort flags = BitConverter.ToUInt16(b, (int)aux + 4);
                    versionIndex = BitConverter.ToUInt16(b, (int)aux + 6) & 0x7fff;
                    if ((flags & VerFlgWeak) == 0)
                    {
                        WriteUInt16(b, aux + 4, (ushort)(flags | VerFlgWeak));
                        changed = true;
                    }
                }
                aux += BitConverter.ToUInt32(b, (int)aux + 12);
            }
            uint next = BitConverter.ToUInt32(b, (int)vn + 12);
            if (next == 0) break;
            vn += next;
        }
        if (versionIndex < 0) return changed;

        // Every symbol bound to that version (only ios_base_library_init in 0.107) is made unversioned.
        long symbols = dynsymSize / dynsymEnt;
        for (long s = 0; s < symbols; s++)
        {
            long entry = versymOff + s * 2;
            if ((BitConverter.ToUInt16(b, (int)entry) & 0x7fff) == versionIndex)
            {
                WriteUInt16(b, entry, VerNdxGlobal);
                changed = true;
            }
        }
        return changed;
    }

    private static void WriteUInt16(byte[] b, long at, ushort v) { b[at] = (byte)v; b[at + 1] = (byte)(v >> 8); }

    private static string ReadCString(byte[] b, long at)
    {
        long end = at;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
    }
}
