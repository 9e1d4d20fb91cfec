namespace Basalt.Bench.Report;

// A report file that several commands write, each its own "## " section: a command replaces its section (from its
// heading to the next "## ") and keeps the others; a file that does not exist yet starts with the title.
public static class MarkdownSections
{
    public static void Write(string path, string title, string heading, string section)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string text = File.Exists(path) ? File.ReadAllText(path) : title + "\n\n";
        int start = text.IndexOf("\n" + heading, StringComparison.Ordinal);
        if (start < 0)
        {
            text = text.TrimEnd('\n') + "\n\n" + section;
        }
        else
        {
            start++;
            int next = text.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
            text = text[..start] + section + (next < 0 ? "" : text[(next + 1)..]);
        }
        File.WriteAllText(path, text.TrimEnd('\n') + "\n");
    }
}
