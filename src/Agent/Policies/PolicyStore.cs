using System.Security.Cryptography;
using System.Text;
using CiliumL7.Agent.State;
using CiliumL7.Client.Models;
using CiliumL7.Policy.Api.Limits;

namespace CiliumL7.Agent.Policies;

/// <summary>
/// Every policy resource in force, from three sources: <c>policy import</c> over
/// the API (persisted in the state directory), the files of the policy
/// directory, and the Kubernetes API server (its watchers). A file or object that
/// fails validation keeps its last good version in force and its errors are
/// reported; a deleted file's or object's resources go away. Thread-safe.
/// </summary>
internal sealed class PolicyStore
{
    public const string ApiSource = "api";

    /// <summary>Source of resources read from the Kubernetes API server.</summary>
    public const string KubernetesSource = "kubernetes";

    private const int MaxErrors = 100;
    private const int MaxErrorChars = 1024;
    private const string TooLargeMarker = "\0too-large\0";

    private readonly object _lock = new();
    private readonly IPolicyValidator _validator;
    private readonly string _statePath;
    private readonly Dictionary<string, FileEntry> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileEntry> _kubernetes = new(StringComparer.Ordinal);
    private List<PolicyDocument> _imported = [];
    private long _revision = 1;
    private long _appliedRevision;
    private string? _applyError;
    private long _applyErrorRevision;
    private long _importErrors;
    private TaskCompletionSource _applyChanged = NewSignal();

    public PolicyStore(IPolicyValidator validator, string statePath)
    {
        _validator = validator;
        _statePath = statePath;
    }

    /// <summary>Raised (outside the lock) after the set of policies in force changed.</summary>
    public event Action? Changed;

    public long Revision { get { lock (_lock) { return _revision; } } }

    /// <summary>The newest revision the regenerator has put in force (datapath and proxy); 0 before the first.</summary>
    public long AppliedRevision { get { lock (_lock) { return _appliedRevision; } } }

    /// <summary>Why the last regeneration failed (the previous state stays in force); null after a success.</summary>
    public string? ApplyError { get { lock (_lock) { return _applyError; } } }

    /// <summary>Records that the policies of <paramref name="revision"/> (or newer) are in force.</summary>
    public void MarkApplied(long revision)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _appliedRevision = Math.Max(_appliedRevision, revision);
            _applyError = null;
            changed = SwapSignal();
        }
        changed.TrySetResult();
    }

    /// <summary>
    /// Completes once <paramref name="revision"/> (or newer) is applied or its
    /// regeneration failed, or when <paramref name="ct"/> is cancelled (then
    /// without an exception: the caller reads the state it has). Lets
    /// <c>GET /v1/status?wait-applied=N</c> answer the moment the revision is in
    /// force instead of the client polling.
    /// </summary>
    public async Task WaitAppliedAsync(long revision, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Task signal;
            lock (_lock)
            {
                if (_appliedRevision >= revision || (_applyError is not null && _applyErrorRevision >= revision))
                {
                    return;
                }
                signal = _applyChanged.Task;
            }
            await signal.WaitAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Under the lock: a fresh signal for the next change; the caller completes the returned one outside the lock.</summary>
    private TaskCompletionSource SwapSignal()
    {
        var changed = _applyChanged;
        _applyChanged = NewSignal();
        return changed;
    }

    /// <summary>The revision whose regeneration failed with <see cref="ApplyError"/>.</summary>
    public long ApplyErrorRevision { get { lock (_lock) { return _applyErrorRevision; } } }

    /// <summary>Records that regenerating <paramref name="revision"/> failed; <see cref="AppliedRevision"/> stays where it was.</summary>
    public void MarkApplyFailed(long revision, string message)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _applyError = message;
            _applyErrorRevision = revision;
            changed = SwapSignal();
        }
        changed.TrySetResult();
    }

    /// <summary>Policy imports rejected so far (API imports and directory files), for <c>cilium_policy_import_errors_total</c>.</summary>
    public long ImportErrors => Interlocked.Read(ref _importErrors);

    /// <summary>Restores imported policies from the state directory.</summary>
    public void Restore()
    {
        var saved = StateFile.Read(_statePath, AgentStateJsonContext.Default.ListPersistedPolicy);
        if (saved is null)
        {
            return;
        }
        lock (_lock)
        {
            _imported = [.. saved.Select(p => new PolicyDocument(p.Kind, p.Namespace, p.Name, ApiSource, p.Yaml))];
            _revision++;
        }
    }

    /// <summary>Imports YAML (one or more resources); on any validation error nothing is imported.</summary>
    public (IReadOnlyList<PolicyDocument> Imported, IReadOnlyList<string> Errors, long Revision) Import(string text, string sourceName)
    {
        var (docs, errors) = Check(text, sourceName);
        if (errors.Count > 0 || docs.Count == 0)
        {
            Interlocked.Increment(ref _importErrors);
            return ([], errors.Count > 0 ? errors : [$"{sourceName}: no policy resource found"], Revision);
        }
        long revision;
        lock (_lock)
        {
            var list = new List<PolicyDocument>(_imported.Count + docs.Count);
            foreach (var existing in _imported)
            {
                if (!docs.Any(d => SameResource(d, existing)))
                {
                    list.Add(existing);
                }
            }
            foreach (var doc in docs)
            {
                list.Add(doc with { Source = ApiSource });
            }
            // Saved first: an import the agent could not save (a full or read-only state directory) would be
            // lost on the next restart, so it is refused as a whole and the policy in force stays.
            if (TryPersist(list) is { } saveError)
            {
                return ([], [saveError], _revision);
            }
            _imported = list;
            revision = ++_revision;
        }
        Changed?.Invoke();
        return (docs, [], revision);
    }

    /// <summary>Deletes imported resources by name (and namespace; any namespace when null), or all.</summary>
    public (int Deleted, long Revision) Delete(string? name, string? ns, bool all)
    {
        int deleted;
        long revision;
        lock (_lock)
        {
            var keep = all ? [] : _imported.Where(d => !(d.Name == name && (ns is null || d.Namespace == ns))).ToList();
            deleted = _imported.Count - keep.Count;
            if (deleted > 0)
            {
                if (TryPersist(keep) is { } saveError)
                {
                    throw new IOException(saveError);
                }
                _imported = keep;
                _revision++;
            }
            revision = _revision;
        }
        if (deleted > 0)
        {
            Changed?.Invoke();
        }
        return (deleted, revision);
    }

    /// <summary>Rescans the policy directory; returns the log lines of what changed (rejections included).</summary>
    public List<PolicyScanEvent> ScanDirectory(string dir)
    {
        var events = new List<PolicyScanEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (Directory.Exists(dir))
        {
            foreach (var path in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
            {
                var ext = Path.GetExtension(path);
                if (ext is not (".yaml" or ".yml" or ".json") || Path.GetFileName(path).StartsWith('.'))
                {
                    continue;
                }
                seen.Add(path);
                string text;
                try
                {
                    var length = new FileInfo(path).Length;
                    text = length > InputLimits.MaxPolicyBytes ? TooLargeError(path, length) : File.ReadAllText(path);
                }
                catch (IOException)
                {
                    continue; // being written; the next scan sees it
                }
                var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
                lock (_lock)
                {
                    if (_files.TryGetValue(path, out var known) && known.Hash == hash)
                    {
                        continue;
                    }
                }
                var (docs, errors) = Check(text, path);
                lock (_lock)
                {
                    _files.TryGetValue(path, out var previous);
                    if (errors.Count > 0)
                    {
                        Interlocked.Increment(ref _importErrors);
                        _files[path] = new FileEntry(hash, previous?.Documents ?? [], errors);
                        events.Add(new PolicyScanEvent(path, false, errors, previous?.Documents.Count ?? 0));
                    }
                    else
                    {
                        _files[path] = new FileEntry(hash, docs, []);
                        _revision++;
                        events.Add(new PolicyScanEvent(path, true, [], docs.Count));
                    }
                }
            }
        }
        lock (_lock)
        {
            foreach (var path in _files.Keys.Where(p => !seen.Contains(p)).ToList())
            {
                _files.Remove(path);
                _revision++;
                events.Add(new PolicyScanEvent(path, true, [], 0, Deleted: true));
            }
        }
        if (events.Any(e => e.Accepted))
        {
            Changed?.Invoke();
        }
        return events;
    }

    /// <summary>
    /// One object from the Kubernetes API server (added or changed): validated like a file. When it
    /// fails, its last good version stays in force and the errors are returned and reported; an
    /// unchanged object is not looked at again.
    /// </summary>
    public (IReadOnlyList<string> Errors, bool Changed) SetKubernetes(string kind, string ns, string name, string text)
    {
        var key = KubernetesKey(kind, ns, name);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        lock (_lock)
        {
            if (_kubernetes.TryGetValue(key, out var known) && known.Hash == hash)
            {
                return (known.Errors, false);
            }
        }
        var (docs, errors) = Check(text, key);
        if (errors.Count == 0 && (docs.Count != 1 || docs[0].Kind != kind || docs[0].Name != name || docs[0].Namespace != ns))
        {
            errors.Add($"{key}: the object read from the API server is not that one resource");
        }
        lock (_lock)
        {
            _kubernetes.TryGetValue(key, out var previous);
            if (errors.Count > 0)
            {
                Interlocked.Increment(ref _importErrors);
                _kubernetes[key] = new FileEntry(hash, previous?.Documents ?? [], errors);
                return (errors, true);
            }
            _kubernetes[key] = new FileEntry(hash, [docs[0] with { Source = KubernetesSource }], []);
            _revision++;
        }
        Changed?.Invoke();
        return ([], true);
    }

    /// <summary>An object deleted from the API server: its resource goes away. False when it was not known.</summary>
    public bool DeleteKubernetes(string kind, string ns, string name)
    {
        lock (_lock)
        {
            if (!_kubernetes.Remove(KubernetesKey(kind, ns, name)))
            {
                return false;
            }
            _revision++;
        }
        Changed?.Invoke();
        return true;
    }

    /// <summary>
    /// After a (re)list: removes the objects of <paramref name="kind"/> the list no longer has —
    /// deletes that happened while no watch was open. Returns the keys removed.
    /// </summary>
    public IReadOnlyList<string> ReconcileKubernetes(string kind, IReadOnlySet<string> present)
    {
        List<string> gone;
        lock (_lock)
        {
            var prefix = kind + "/";
            gone = [.. _kubernetes.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !present.Contains(k))];
            foreach (var key in gone)
            {
                _kubernetes.Remove(key);
            }
            if (gone.Count > 0)
            {
                _revision++;
            }
        }
        if (gone.Count > 0)
        {
            Changed?.Invoke();
        }
        return gone;
    }

    /// <summary>How Kubernetes objects are keyed: <c>kind/namespace/name</c> (namespace empty when clusterwide).</summary>
    public static string KubernetesKey(string kind, string ns, string name) => $"{kind}/{ns}/{name}";

    /// <summary>Every resource in force: imported ones, then directory files' and Kubernetes objects' (last good) ones.</summary>
    public List<PolicyDocument> All()
    {
        lock (_lock)
        {
            var list = new List<PolicyDocument>(_imported);
            foreach (var (_, entry) in _files.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                list.AddRange(entry.Documents);
            }
            foreach (var (_, entry) in _kubernetes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                list.AddRange(entry.Documents);
            }
            return list;
        }
    }

    public List<PolicyErrorModel> Errors()
    {
        lock (_lock)
        {
            return [.. _files.Concat(_kubernetes).Where(kv => kv.Value.Errors.Count > 0).OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new PolicyErrorModel { Source = kv.Key, Errors = kv.Value.Errors })];
        }
    }

    private (List<PolicyDocument> Docs, List<string> Errors) Check(string text, string source)
    {
        // :: Step 1: bounds before any tree is built (a deep document overflows a recursive parser's stack).
        if (text.StartsWith(TooLargeMarker, StringComparison.Ordinal))
        {
            return ([], [text[TooLargeMarker.Length..]]);
        }
        if (YamlInputGuard.CheckLength(text) is { } limit)
        {
            return ([], [$"{Echo.Truncate(source)}: {limit}"]);
        }

        // :: Step 2: split into resources (depth and alias limits checked while the text is read, before
        // the tree grows past them), then full validation of each (the YAML is read once: the engine takes
        // the resources validation read); every message kept short.
        var (split, errors) = YamlDocuments.Split(text, source);
        var docs = new List<PolicyDocument>(split.Count);
        if (errors.Count == 0)
        {
            foreach (var (doc, root) in split)
            {
                var (docErrors, resources) = _validator.Validate(root, source);
                errors.AddRange(docErrors);
                docs.Add(doc with { Resources = resources });
            }
        }
        if (errors.Count > MaxErrors)
        {
            var more = errors.Count - MaxErrors;
            errors.RemoveRange(MaxErrors, more);
            errors.Add($"{Echo.Truncate(source)}: ... and {more} more error(s)");
        }
        for (var i = 0; i < errors.Count; i++)
        {
            errors[i] = Echo.Truncate(errors[i], MaxErrorChars);
        }
        return (docs, errors);
    }

    // Stands in for the text of a file too large to read (the file is never read): the message itself, after a
    // marker that Check recognizes; it changes with the size, so a rewritten file is looked at again.
    private static string TooLargeError(string path, long length) => TooLargeMarker + Echo.Truncate(path) + ": " + YamlInputGuard.TooLarge(length);

    private static bool SameResource(PolicyDocument a, PolicyDocument b) =>
        a.Kind == b.Kind && a.Namespace == b.Namespace && a.Name == b.Name;

    private string? TryPersist(List<PolicyDocument> imported)
    {
        try
        {
            StateFile.Write(_statePath, [.. imported.Select(d => new PersistedPolicy(d.Kind, d.Namespace, d.Name, d.Yaml))], AgentStateJsonContext.Default.ListPersistedPolicy);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot save the policy state to {_statePath}: {e.Message}; nothing changed, the policy in force stays. Free space (or fix permissions) in the state directory and try again.";
        }
    }

    private sealed record FileEntry(string Hash, IReadOnlyList<PolicyDocument> Documents, IReadOnlyList<string> Errors);
}
