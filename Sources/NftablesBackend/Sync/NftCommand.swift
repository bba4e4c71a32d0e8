import ServiceModel

/// One command of an nft transaction on the `kube-proxy` table.
public enum NftCommand: Hashable, Sendable {
    case addTable
    /// Declares the chain (its hook and comment; not its rules).
    case addChain(NftChain)
    case flushChain(String)
    case deleteChain(String)
    case addRule(chain: String, NftRule)
    /// Declares the set (type, flags, timeout, comment; not its elements).
    case addSet(NftSet)
    case flushSet(String)
    case deleteSet(String)
    /// Declares the map (type and comment; not its elements).
    case addMap(NftMap)
    case flushMap(String)
    case addSetElement(set: String, IPAddress)
    case deleteSetElement(set: String, IPAddress)
    case addMapElement(map: String, NftMap.Element)
    case deleteMapElement(map: String, NftMap.Element)
}
