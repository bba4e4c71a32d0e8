/// A libnftnl attribute number as its setters take it, whether the C header declares it as
/// an enum case or (for expressions' attributes counted from `NFTNL_EXPR_BASE`) as a plain
/// integer constant.
func nftnlAttribute<T: RawRepresentable>(_ value: T) -> UInt16 where T.RawValue: BinaryInteger {
    UInt16(value.rawValue)
}

func nftnlAttribute<T: BinaryInteger>(_ value: T) -> UInt16 {
    UInt16(value)
}
