import OptKit
print(OptKitVersion.string)
