namespace SaeExplorer.Storage;

/// <summary>A researcher's name and notes for one SAE latent; labels belong to an SAE's content fingerprint.</summary>
public sealed record FeatureLabel(string SaeFingerprint, int Feature, string Label, string Notes, DateTimeOffset UpdatedAt);
