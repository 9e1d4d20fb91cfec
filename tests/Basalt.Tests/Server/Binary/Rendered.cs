using System.Collections;
using System.Reflection;
using System.Text;
using Basalt.Engine.Model;

namespace Basalt.Tests.Server.Binary;

// A canonical text of a request or response object (public properties in name order, dictionaries by key, lists in
// order, attribute values by their ToString), so two objects that mean the same compare equal as strings and a
// difference shows where it is.
public static class Rendered
{
    public static string Of(object? value)
    {
        var sb = new StringBuilder();
        Write(sb, value, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, int depth)
    {
        if (depth > 40) throw new InvalidOperationException("too deep");
        switch (value)
        {
            case null: sb.Append("null"); return;
            case string s: sb.Append('"').Append(s).Append('"'); return;
            case AttributeValue a: sb.Append(a.ToString()); return;
            case double d: sb.Append(d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)); return;
            case Enum or bool or int or long or uint: sb.Append(value); return;
            case IDictionary dict:
                sb.Append('{');
                foreach (var key in dict.Keys.Cast<object>().OrderBy(k => k.ToString(), StringComparer.Ordinal))
                {
                    sb.Append(key).Append(':');
                    Write(sb, dict[key], depth + 1);
                    sb.Append(',');
                }
                sb.Append('}');
                return;
            case IEnumerable list:
                sb.Append('[');
                foreach (var x in list)
                {
                    Write(sb, x, depth + 1);
                    sb.Append(',');
                }
                sb.Append(']');
                return;
        }
        var type = value.GetType();
        sb.Append(type.Name).Append('(');
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract").OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            sb.Append(p.Name).Append('=');
            Write(sb, p.GetValue(value), depth + 1);
            sb.Append(' ');
        }
        sb.Append(')');
    }
}
