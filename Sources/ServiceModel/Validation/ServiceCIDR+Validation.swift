extension ServiceCIDR {
    /// Checks the name and the ranges as the API server does: one or two ranges, two only of
    /// different families.
    public func validate() -> [FieldError] {
        var errors = Service.validateMetadata(metadata, nameRule: NameRules.dns1123Subdomain)
        let path = FieldPath("spec", "cidrs")
        if cidrs.isEmpty {
            errors.append(.required(path))
        } else if cidrs.count > 2 {
            errors.append(.invalid(path, cidrs.map(\.description).joined(separator: ","), "may hold at most 2 ranges"))
        } else if cidrs.count == 2 && cidrs[0].family == cidrs[1].family {
            errors.append(.invalid(path.index(1), cidrs[1].description, "must be of the other IP family than `cidrs[0]`"))
        }
        return errors
    }
}
