[assembly: System.Diagnostics.CodeAnalysis.ExcludeFromCodeCoverage]
