using System.Collections.Immutable;
using Promethean.Core.Components;

namespace Promethean.Core.Sentinels;

/// <summary>A pure validator: the contract and a candidate's top-level fields in, violations out (empty means valid).</summary>
public delegate ImmutableArray<Violation> ContractValidator(Contract contract, IReadOnlyDictionary<string, FieldValue> fields);
