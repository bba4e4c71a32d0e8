import Foundation

/// The package root, found from this file's path.
public let packageRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
}()

/// The absolute path of a file given relative to the package root.
public func packagePath(_ relative: String) -> String {
    packageRoot + "/" + relative
}
