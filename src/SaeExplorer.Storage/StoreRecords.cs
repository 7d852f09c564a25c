namespace SaeExplorer.Storage;

/// <summary>A researcher's name and notes for one SAE latent; labels belong to an SAE's content fingerprint.</summary>
public sealed record FeatureLabel(string SaeFingerprint, int Feature, string Label, string Notes, DateTimeOffset UpdatedAt)
{
    /// <summary>Longest label: a name shown in every table row (a megabyte-long one made each Live update take seconds).</summary>
    public const int MaxLabelLength = 500;

    /// <summary>Longest notes.</summary>
    public const int MaxNotesLength = 20_000;
}
